"""The contract every generative answering backend follows, and the prompts they share.

A backend gets the question (in its standalone form), the conversation so far and the pages shown
(label, text, image), and returns the model's raw reply; the agent validates its citations. Backends raise
`BackendError` with a sentence a user can act on (server unreachable, timed out, weights missing); the
agent then answers extractively. `close()` releases what a backend holds between questions (an HTTP
connection pool) and may be called after every question: a backend stays usable and reopens lazily, so
what it learned (a server that refuses images) outlives the call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..errors import BackendError
from ..language import detect
from ..language import name as language_name
from .evidence import EvidencePage

NOT_ANSWERED = "NOT_IN_LIBRARY"
PAGE_TEXT_CHARS = 3000  # page text shown per page to a model
HISTORY_MESSAGES = 6  # the last messages of the conversation a model sees (rewrite and answer)
REWRITE_MAX_CHARS = 300

CITATION_RULES = (
    "Each page starts with its label, like [manual.pdf p.3]. Cite every fact with the label of the page it "
    "comes from, written exactly as given; cite only pages you were shown. "
)
SYSTEM_PROMPT = (
    "You answer questions using only the document pages provided. "
    + CITATION_RULES
    + "Be brief: lead with the answer, then the supporting words of the page. If the pages do not contain "
    "the answer, reply exactly " + NOT_ANSWERED + "."
)
REWRITE_PROMPT = (
    "Rewrite the user's last message as one standalone search question, taking names and topics it leaves "
    "out from the conversation. If it starts a new topic, carry nothing over. Reply with the question only."
)


@dataclass
class Conversation:
    """What a backend is told about the chat: earlier turns (OpenAI-style text messages, oldest first)
    and the state the agent keeps (the standalone query, its focus terms, the pages cited last)."""

    messages: list[dict] = field(default_factory=list)
    focus: list[str] = field(default_factory=list)
    cited: list[str] = field(default_factory=list)  # labels such as "[manual.pdf p.3]"

    def recent(self) -> list[dict]:
        return self.messages[-HISTORY_MESSAGES:]

    def note(self) -> str:
        """One line of state for a prompt, or "" for a first turn."""
        parts = []
        if self.focus:
            parts.append("conversation focus: " + ", ".join(self.focus))
        if self.cited:
            parts.append("pages cited in the previous answer: " + " ".join(self.cited))
        return "; ".join(parts)


class Answerer:
    """Base of the generative backends (`openai`, `transformers`); the extractive answerer is the agent's
    own fallback and needs no object."""

    name = "answerer"

    def answer(self, question: str, pages: Sequence[EvidencePage], conversation: Conversation) -> str:
        """The model's raw reply to the question about these pages (labels as in `page_block`)."""
        raise NotImplementedError

    def rewrite(self, question: str, conversation: Conversation) -> str | None:
        """A standalone form of a follow-up written by the model, or None when the backend cannot
        rewrite (the agent's rules then stand)."""
        return None

    def close(self) -> None:
        """Release what is held between questions; the backend stays usable."""


def clean_rewrite(reply: str) -> str:
    """First line of a model's rewrite, unquoted and capped; empty replies are a BackendError."""
    line = next((ln.strip() for ln in reply.splitlines() if ln.strip()), "").strip("\"'` ")
    if not line:
        raise BackendError("the model returned an empty rewrite")
    return line[:REWRITE_MAX_CHARS]


def page_block(page: EvidencePage) -> str:
    text = " ".join(page.text.split())
    if len(text) > PAGE_TEXT_CHARS:
        text = text[:PAGE_TEXT_CHARS] + " ..."
    language = f" (in {language_name(page.language)})" if page.language else ""
    return f"{page.label}{language}\n{text or '(no text on this page; see its image)'}"


def question_block(question: str, conversation: Conversation) -> str:
    """The question, the chat's state, and the language to answer in (the question's: pages in another
    language are quoted as written, their language named by `page_block`)."""
    note = conversation.note()
    asked_in = detect(question)
    language = f" Answer in {language_name(asked_in)}; quote a page in its own language." if asked_in else ""
    return (
        f"({note})\n" if note else ""
    ) + f"Question: {question}\nAnswer with citations, or {NOT_ANSWERED}.{language}"


def rewrite_messages(question: str, conversation: Conversation) -> list[dict]:
    """The chat a model rewrites a follow-up from: rules, the recent turns, the state, the new message."""
    note = conversation.note()
    system = REWRITE_PROMPT + (f" ({note})" if note else "")
    return [
        {"role": "system", "content": system},
        *conversation.recent(),
        {"role": "user", "content": question},
    ]
