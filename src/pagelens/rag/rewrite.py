"""Turning a chat turn into standalone search queries, without a language model.

Rewriting: a follow-up ("and on the next page?", "what about its colour bar?", "why?") borrows the key
terms of the previous user turn(s) and points at the pages the last answer cited; "next/previous/same
page" makes those pages direct candidates. Decomposition: "compare A and B", numbered or lettered parts,
several question marks and ", and what ..." clauses become separate sub-questions, each keeping the
shared context clause ("In the R manual's example, ...").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from .citations import find_labels
from .lexical import question_terms

_ANAPHORA = re.compile(
    r"\b(it|its|it's|this|that|these|those|they|them|their|there|same|above|previous|next|former|latter"
    r"|one|ones|here)\b", re.IGNORECASE)
_FOLLOW_UP_START = re.compile(
    r"^\s*(and|also|what about|how about|and what|and how|and on|and the|what of|same for|then|so|why|"
    r"ok|okay|more on|tell me more|on the)\b", re.IGNORECASE)
_NEXT = re.compile(r"\b(next|following|subsequent)\s+(page|slide)\b|\bpage\s+after\b", re.IGNORECASE)
_PREVIOUS = re.compile(r"\b(previous|preceding|prior)\s+(page|slide)\b|\bpage\s+before\b", re.IGNORECASE)
_SAME = re.compile(r"\b(same|that|this)\s+(page|slide)\b", re.IGNORECASE)
SHORT_TURN_TERMS = 3  # a turn with this few content terms and a pronoun or follow-up opener is a follow-up
# Pronouns that point back even in a longer turn ("what kind of axis is on its right-hand side?").
_POINTING_BACK = re.compile(r"\b(its|they|them|their|theirs|these|those)\b", re.IGNORECASE)
LONG_TURN_TERMS = 6


@dataclass
class PageRef:
    doc: str
    page: int


@dataclass
class Rewrite:
    query: str  # the standalone question
    follow_up: bool = False
    carried_terms: list[str] = field(default_factory=list)  # words borrowed from earlier turns
    anchor_pages: list[PageRef] = field(default_factory=list)  # pages the turn points at directly
    cited_pages: list[PageRef] = field(default_factory=list)  # pages the previous answer cited

    @property
    def cited_docs(self) -> list[str]:
        return list(dict.fromkeys(ref.doc for ref in self.cited_pages))


def message_text(message: object) -> str:
    """Text of an OpenAI-style message (content as a string, a list of parts, or a Gradio file dict)."""
    content = message.get("content", "") if isinstance(message, dict) else getattr(message, "content", "")
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text", ""))
    if isinstance(content, (list, tuple)):
        return " ".join(message_text({"content": part}) if not isinstance(part, str) else part
                        for part in content)
    return ""


def role_of(message: object) -> str:
    return message.get("role", "") if isinstance(message, dict) else getattr(message, "role", "")


def _original_words(text: str, keep: int = 8) -> list[str]:
    """Up to `keep` content words of a question as written (not stemmed), in order, for a query."""
    wanted = set(question_terms(text))
    words: list[str] = []
    for word in re.findall(r"[^\W_]+(?:[._-][^\W_]+)*", text):
        stems = question_terms(word)
        if stems and stems[0] in wanted and word.lower() not in (w.lower() for w in words):
            words.append(word)
        if len(words) >= keep:
            break
    return words


def is_follow_up(question: str) -> bool:
    content = question_terms(question)
    if _NEXT.search(question) or _PREVIOUS.search(question) or _SAME.search(question):
        return True
    # An opener ("and", "also", "what about") marks a follow-up only when the turn has no subject of its
    # own: "and what does value() return for an undefined variable?" is a new question, not about rand().
    if _FOLLOW_UP_START.search(question) and len(content) <= SHORT_TURN_TERMS:
        return True
    if _POINTING_BACK.search(question) and len(content) <= LONG_TURN_TERMS:
        return True
    return len(content) <= SHORT_TURN_TERMS and bool(_ANAPHORA.search(question) or len(content) <= 1)


def rewrite(question: str, history: Sequence[object] | None) -> Rewrite:
    """The standalone form of `question` given the chat so far (OpenAI-style messages)."""
    history = list(history or [])
    users = [message_text(m) for m in history if role_of(m) == "user" and message_text(m).strip()]
    assistants = [message_text(m) for m in history if role_of(m) == "assistant" and message_text(m).strip()]
    if not users or not is_follow_up(question):
        return Rewrite(query=question.strip())
    cited = [PageRef(doc, page) for doc, page, _ in find_labels(assistants[-1])] if assistants else []
    # the previous user turn, and the one before when that one was itself a follow-up
    source = users[-1]
    if len(users) > 1 and is_follow_up(users[-1]):
        source = users[-2] + " " + users[-1]
    own = set(question_terms(question))
    carried = [w for w in _original_words(source) if not set(question_terms(w)) <= own]
    anchors: list[PageRef] = []
    if cited:
        last = cited[0]
        if _NEXT.search(question):
            anchors = [PageRef(last.doc, last.page + 1)]
        elif _PREVIOUS.search(question) and last.page > 1:
            anchors = [PageRef(last.doc, last.page - 1)]
        elif _SAME.search(question):
            anchors = [PageRef(last.doc, last.page)]
    stripped = _NEXT.sub("", _PREVIOUS.sub("", _SAME.sub("", question)))
    stripped = _FOLLOW_UP_START.sub("", stripped).strip(" ?,.")
    if not question_terms(stripped):
        stripped = ""
    query = " ".join(filter(None, [stripped, f"({' '.join(carried)})" if carried else ""])) or question.strip()
    return Rewrite(query=query, follow_up=True, carried_terms=carried, anchor_pages=anchors, cited_pages=cited)


_NUMBERED = re.compile(r"(?:^|\s)(?:\(?\d{1,2}[.)]|\(?[a-h]\))\s+", re.IGNORECASE)
_COMPARE = re.compile(r"^\s*(?:compare|contrast)\s+(?P<a>.+?)\s+(?:and|with|to|vs\.?|versus)\s+(?P<b>.+?)"
                      r"(?P<rest>\s+(?:in|on|for|regarding|with respect to)\s+.+)?\s*[?.]?\s*$", re.IGNORECASE)
_CLAUSE = re.compile(r",?\s+and\s+(?=(?:what|which|how|where|when|why|who|whether|does|is|are|can)\b)", re.IGNORECASE)
_WH = re.compile(r"\b(what|which|how|where|when|why|who|whether|does|do|is|are|can)\b", re.IGNORECASE)
MAX_PARTS = 4


def _context_clause(sentence: str) -> str:
    """The lead-in before the first question word ("In the R manual's example,"), shared by all parts."""
    match = _WH.search(sentence)
    return sentence[:match.start()].strip() if match and match.start() > 0 else ""


def decompose(query: str) -> list[str]:
    """Sub-questions of a multi-part question (a single-part question yields itself)."""
    text = " ".join(query.split())
    compare = _COMPARE.match(text)
    if compare:
        rest = (compare.group("rest") or "").strip()
        return [f"{compare.group('a')} {rest}".strip(), f"{compare.group('b')} {rest}".strip()]
    numbered = [p.strip(" ;,") for p in _NUMBERED.split(text)]
    if len(numbered) > 2 and len(numbered) - 1 <= MAX_PARTS:
        lead, parts = numbered[0], [p for p in numbered[1:] if p]
        return [f"{lead} {part}".strip() for part in parts]
    parts = [p.strip() for p in re.split(r"(?<=\?)\s+", text) if p.strip()]
    if len(parts) == 1:
        context = _context_clause(text)
        clauses = _CLAUSE.split(text)
        if len(clauses) > 1:
            parts = [clauses[0]] + [f"{context} {c}".strip() for c in clauses[1:]]
    parts = [p for p in parts if len(question_terms(p)) >= 1]
    if len(parts) < 2:
        return [text]
    # a later part that leans on the first ("what range does it return?") borrows its key words
    lead_words = " ".join(_original_words(parts[0], keep=6))
    return [parts[0]] + [f"{p} ({lead_words})" if _leans_on_context(p) else p for p in parts[1:MAX_PARTS]]


def _leans_on_context(part: str) -> bool:
    return len(question_terms(part)) <= 1 or bool(_ANAPHORA.search(part))
