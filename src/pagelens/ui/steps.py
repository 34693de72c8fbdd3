"""The agent's steps as one collapsible "How I found this" block under an answer, in short human labels.

Labels are one line each: long queries are shortened, and a step whose label repeats an earlier one (the
same search run twice) is shown once; an error keeps its reason (e.g. why the answering backend failed).
The full trace stays in `Answer.steps` for the API.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..conversations import shorten
from ..types import Step

BLOCK_TITLE = "How I found this"
LABEL_CHARS = 90
ERROR_CHARS = 200  # an error's label carries its reason, so it may be longer
QUERY_CHARS = 60

# kind -> how the label starts; the rest of the label is the text after the title's first ": "
_VERBS = {
    "rewrite": "Read the follow-up as",
    "search": "Searched for",
    "wait": "Waited",
}


def step_label(step: Step) -> str:
    """`Searched for “seeds of rand()”`; kinds without a verb keep their own (shortened) title."""
    head, sep, rest = step.title.partition(": ")
    verb = _VERBS.get(step.kind)
    if verb and sep and rest.strip():
        return f"{verb} “{shorten(rest, QUERY_CHARS)}”"
    if step.kind == "error":  # what went wrong matters to the user: the reason follows the title
        reason = f": {step.detail}" if step.detail.strip() else ""
        return "⚠ " + shorten(step.title + reason, ERROR_CHARS)
    return shorten(step.title, LABEL_CHARS)


def step_labels(steps: Sequence[Step]) -> list[str]:
    """One label per step, in order, each label once."""
    return list(dict.fromkeys(step_label(step) for step in steps if step.title.strip()))


def steps_message(steps: Sequence[Step], *, done: bool = True) -> dict:
    """The chat message holding the block (Gradio folds a message with `metadata.title`)."""
    labels = step_labels(steps)
    content = "\n".join(f"{n}. {label}" for n, label in enumerate(labels, 1)) or "…"
    return {
        "role": "assistant",
        "content": content,
        "metadata": {"title": BLOCK_TITLE, "status": "done" if done else "pending"},
    }
