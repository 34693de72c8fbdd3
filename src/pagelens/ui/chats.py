"""Saved conversations -> the chat component: each answer with its citations as links that open the page
viewer, under one "How I found this" block; and the history the answer loop gets for a follow-up.

A citation link names the answer it belongs to: `#pl-page=<answer>/<doc_id>:<page>`, where <answer> counts
the conversation's answers from 0. The viewer highlights the regions that answer cites on that page (every
citation of the page in that answer), never another answer's: two answers may cite two passages of one
page. Search results link the plain page key (`#pl-page=<doc_id>:<page>`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..conversations import Message
from ..types import Box, Citation, page_key
from .markup import literal, quoted, unliteral
from .steps import steps_message

_ITEM = re.compile(r"^(\s*- )?(.*)$")  # an answer's line: its list marker (kept), its text (escaped)

OPEN_PAGE = "#pl-page="  # a link whose href starts with this opens the viewer at the page key after it


def cited_key(answer: int, citation: Citation) -> str:
    """The key a citation link opens: the answer's number and the cited page."""
    return f"{answer}/{page_key(citation.doc_id, citation.page)}"


def answer_markdown(text: str, citations: Sequence[Citation], answer: int = 0) -> str:
    """The answer as written, with each citation label linked to its page and labels the text lacks listed
    after it. Its text is escaped (`quoted`) but for its list markers ("- " items, indented or
    not): an answer quotes pages, and a page's `sum [<var> = <start> : <end>]` rendered as Markdown loses
    `<var>` (an HTML element) and sets the rest of the answer in italics, `2*3*4` loses its stars."""
    text = "\n".join(
        _ITEM.sub(lambda m: (m.group(1) or "") + quoted(m.group(2)), line)
        for line in text.strip().split("\n")
    )
    missing = [c.label for c in citations if quoted(c.label) not in text]
    if missing:
        text += "\n\nSources: " + " ".join(quoted(label) for label in dict.fromkeys(missing))
    for citation in {c.label: c for c in reversed(citations)}.values():  # one link per label: its first page
        link = f"[{citation.label}]({OPEN_PAGE}{cited_key(answer, citation)})"
        text = text.replace(quoted(citation.label), link)
    return text


def chat_messages(messages: Sequence[Message]) -> list[dict]:
    """Gradio chat messages: user turns; for each answer its steps block (if any) then the answer."""
    shown: list[dict] = []
    for message in messages:
        if message.role == "user":
            shown.append({"role": "user", "content": literal(message.content)})
            continue
        if message.steps:
            shown.append(steps_message(message.steps))
        answer = answers_before(shown)
        shown.append(
            {"role": "assistant", "content": answer_markdown(message.content, message.citations, answer)}
        )
    return shown


def answers_before(shown: Sequence[dict]) -> int:
    """How many answers (assistant messages other than steps blocks) `shown` holds: the next one's number."""
    return sum(m["role"] == "assistant" and not (m.get("metadata") or {}).get("title") for m in shown)


def answers(messages: Sequence[Message]) -> list[Message]:
    return [m for m in messages if m.role == "assistant"]


def latest_citations(messages: Sequence[Message]) -> list[Citation]:
    """The citations of the last answer (the pages shown next to the chat): none after an abstention."""
    given = answers(messages)
    return list(given[-1].citations) if given else []


def latest_keys(messages: Sequence[Message]) -> list[str]:
    """The link keys of the last answer's citations, in order (a click on the cited pages opens these)."""
    given = answers(messages)
    return [cited_key(len(given) - 1, c) for c in given[-1].citations] if given else []


def cited_boxes(messages: Sequence[Message]) -> dict[str, list[Box]]:
    """Link key (answer and page) -> the regions that answer cites on that page (the viewer highlights
    these)."""
    boxes: dict[str, list[Box]] = {}
    for number, message in enumerate(answers(messages)):
        for c in message.citations:
            regions = boxes.setdefault(cited_key(number, c), [])
            if c.region is not None and tuple(c.region.box) not in regions:
                regions.append(tuple(c.region.box))
    return boxes


def history_from_chat(messages: Sequence[dict]) -> list[dict]:
    """OpenAI-style history from chat component messages (API callers that pass the chat back): user turns
    and answers, without the steps blocks."""
    history = []
    for message in messages:
        if (message.get("metadata") or {}).get("title"):
            continue
        content = message.get("content")
        if isinstance(content, list):  # Gradio may hand content back as a list of parts
            content = " ".join(part.get("text", "") for part in content if isinstance(part, dict))
        if isinstance(content, str) and content.strip():
            history.append({"role": message["role"], "content": unliteral(content)})
    return history
