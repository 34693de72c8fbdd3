"""The agent's steps as one collapsible "How I found this" block under an answer, in short human labels.

Labels are one line each: long queries are shortened, and a step whose label repeats an earlier one (the
same search run twice) is shown once; an error keeps its reason (e.g. why the answering backend failed).
Labels are plain words ("Looked for …", "Also read the pages next to the best match"), not the loop's
own terms (page graph, evidence); the full trace stays in `Answer.steps` for the API.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..conversations import shorten
from ..types import Step
from .markup import quoted

BLOCK_TITLE = "How I found this"
LABEL_CHARS = 90
ERROR_CHARS = 200  # an error's label carries its reason, so it may be longer
QUERY_CHARS = 60

# The answer loop's step titles -> words for someone who has never seen a search engine's insides:
# (kind, how the title starts) -> the label, given what follows the start (after any ": "; the whole title
# for an empty start).
_PLAIN: dict[tuple[str, str], Callable[[str], str]] = {
    ("rewrite", "Follow-up rewritten"): lambda rest: f"Read your follow-up as “{shorten(rest, QUERY_CHARS)}”",
    ("search", "Searched"): lambda rest: f"Looked for “{shorten(rest, QUERY_CHARS)}”",
    ("wait", ""): lambda rest: "Waited for the sample documents to finish loading",
    ("decompose", ""): lambda title: f"Split the question into {title.split()[0]} parts",
    ("read", "Pages the question points at"): lambda rest: f"Opened the pages you referred to: {rest}",
    ("read", "Page graph"): lambda rest: "Also read the pages next to the best match, and pages like it",
    ("read", "Showing"): lambda title: title.replace("Showing", "Gave", 1) + " to write the answer",
    ("judge", "Evidence suffices"): lambda rest: "Found pages that answer it",
    ("judge", "Evidence is missing"): lambda rest: (
        f"The pages found so far do not mention {_either(rest)}"
        if rest
        else "The pages found so far fall short"
    ),
    ("answer", "Answered citing"): lambda rest: f"Answered from {rest}",
    ("answer", "The library does not answer"): lambda rest: "Found no page that answers this",
}


def _either(listed: str) -> str:
    """`a, b, c` -> `a, b or c`."""
    words = [w.strip() for w in listed.split(",") if w.strip()]
    return " or ".join([", ".join(words[:-1]), words[-1]]) if len(words) > 1 else listed.strip()


def step_label(step: Step) -> str:
    """`Looked for “seeds of rand()”`; a step the table does not know keeps its own (shortened) title, an
    error its reason (e.g. why the answering backend failed)."""
    if step.kind == "error":  # what went wrong matters to the user: the reason follows the title
        reason = f": {step.detail}" if step.detail.strip() else ""
        return "⚠ " + shorten(
            step.title.replace("answering extractively", "answering from the pages") + reason, ERROR_CHARS
        )
    for (kind, start), plain in _PLAIN.items():
        if step.kind == kind and step.title.startswith(start):
            rest = step.title[len(start) :].split(": ", 1)[-1].strip() if start else step.title
            return shorten(plain(rest), LABEL_CHARS)
    return shorten(step.title, LABEL_CHARS)


def step_labels(steps: Sequence[Step]) -> list[str]:
    """One label per step, in order, each label once."""
    return list(dict.fromkeys(step_label(step) for step in steps if step.title.strip()))


def steps_message(steps: Sequence[Step], *, done: bool = True) -> dict:
    """The chat message holding the block (Gradio folds a message with `metadata.title`)."""
    labels = step_labels(steps)
    content = "\n".join(f"{n}. {quoted(label)}" for n, label in enumerate(labels, 1)) or "…"
    return {
        "role": "assistant",
        "content": content,
        "metadata": {"title": BLOCK_TITLE, "status": "done" if done else "pending"},
    }
