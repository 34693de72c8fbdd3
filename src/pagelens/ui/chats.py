"""Saved conversations -> the chat component: each answer with its citations as links that open the page
viewer, under one "How I found this" block; and the history the answer loop gets for a follow-up."""

from __future__ import annotations

from collections.abc import Sequence

from ..conversations import Message
from ..types import Box, Citation, page_key
from .steps import steps_message

OPEN_PAGE = "#pl-page="  # a link whose href starts with this opens the viewer at the page key after it


def answer_markdown(text: str, citations: Sequence[Citation]) -> str:
    """The answer with each citation label linked to its page, and labels the text lacks listed after it."""
    text = text.strip()
    missing = [c.label for c in citations if c.label not in text]
    if missing:
        text += "\n\nSources: " + " ".join(dict.fromkeys(missing))
    for citation in {c.label: c for c in reversed(citations)}.values():  # one link per label: its first page
        link = f"{OPEN_PAGE}{page_key(citation.doc_id, citation.page)}"
        text = text.replace(citation.label, f"[{citation.label}]({link})")
    return text


def chat_messages(messages: Sequence[Message]) -> list[dict]:
    """Gradio chat messages: user turns; for each answer its steps block (if any) then the answer."""
    shown: list[dict] = []
    for message in messages:
        if message.role == "user":
            shown.append({"role": "user", "content": message.content})
            continue
        if message.steps:
            shown.append(steps_message(message.steps))
        shown.append({"role": "assistant", "content": answer_markdown(message.content, message.citations)})
    return shown


def latest_citations(messages: Sequence[Message]) -> list[Citation]:
    """The citations of the last answer (the pages shown next to the chat)."""
    for message in reversed(messages):
        if message.role == "assistant" and message.citations:
            return list(message.citations)
    return []


def cited_boxes(messages: Sequence[Message]) -> dict[str, Box | None]:
    """Page key -> the cited region on it, over the whole conversation (the viewer highlights these)."""
    boxes: dict[str, Box | None] = {}
    for message in messages:
        for c in message.citations:
            key = page_key(c.doc_id, c.page)
            if boxes.get(key) is None:
                boxes[key] = tuple(c.region.box) if c.region is not None else None
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
            history.append({"role": message["role"], "content": content})
    return history
