"""Loader for an evaluation set (the format of ../shared/eval/dev/README.md) and gold-page resolution.

A set is a folder with `docs/` (the corpus) and `queries.jsonl`, optionally `answers.jsonl` (the answer key:
`must_contain` groups per answerable qid) and `conversations.jsonl` (multi-turn chats). Gold pages are
(doc, page) pairs; an HTML document's gold has page null and is resolved against the pages the library
rendered: every page of that document whose whitespace-collapsed text contains the query's `evidence`
phrase. An answer text satisfies `must_contain` when every group has an alternative occurring in it as a
substring, both lower-cased with whitespace runs collapsed (no other normalisation).
Shared by the retrieval evaluation (`run.py`) and the answer evaluation (`ask_eval.py`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from ..errors import EvalSetError

T = TypeVar("T")
PageId = tuple[str, int]  # (document name, 1-based page)


@dataclass(frozen=True)
class GoldRef:
    doc: str
    page: int | None  # None: HTML document, resolved through the evidence phrase


@dataclass(frozen=True)
class EvalQuery:
    qid: str
    query: str
    answer: str | None
    gold: tuple[GoldRef, ...]
    evidence: str | None
    type: str

    @property
    def answerable(self) -> bool:
        return bool(self.gold)


@dataclass(frozen=True)
class Turn:
    query: str
    gold: tuple[GoldRef, ...]
    evidence: str | None
    must_contain: tuple[tuple[str, ...], ...]
    kind: str  # first | followup | switch | unanswerable

    def as_query(self, qid: str) -> EvalQuery:
        """The turn as a query record, for gold resolution."""
        return EvalQuery(
            qid=qid, query=self.query, answer=None, gold=self.gold, evidence=self.evidence, type=self.kind
        )


@dataclass(frozen=True)
class Conversation:
    cid: str
    turns: tuple[Turn, ...]


@dataclass(frozen=True)
class EvalSet:
    root: Path
    queries: list[EvalQuery]
    must_contain: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)  # qid -> groups
    conversations: list[Conversation] = field(default_factory=list)

    @property
    def docs_dir(self) -> Path:
        return self.root / "docs"

    def doc_paths(self) -> list[Path]:
        """The corpus files, minus helper files (stylesheets) that are not documents."""
        return sorted(
            p for p in self.docs_dir.iterdir() if p.is_file() and p.suffix.lower() not in _HELPER_SUFFIXES
        )


_HELPER_SUFFIXES = {".css", ".js", ".md", ".txt", ".json"}
_SPACE = re.compile(r"\s+")


def load_eval_set(root: str | Path) -> EvalSet:
    """Read `root/queries.jsonl` (and the optional answer key and conversations); raises EvalSetError (a ValueError)
    for a malformed record."""
    root = Path(root)
    queries_file = root / "queries.jsonl"
    if not queries_file.is_file() or not (root / "docs").is_dir():
        raise EvalSetError(f"{root} is not an evaluation set: it needs docs/ and queries.jsonl")
    queries = _records(
        queries_file,
        "query",
        lambda r: EvalQuery(
            qid=str(r["qid"]),
            query=r["query"],
            answer=r.get("answer"),
            gold=_gold(r.get("gold")),
            evidence=r.get("evidence"),
            type=r["type"],
        ),
    )
    answers = dict(
        _records(root / "answers.jsonl", "answer", lambda r: (str(r["qid"]), _groups(r["must_contain"])))
    )
    conversations = _records(
        root / "conversations.jsonl",
        "conversation",
        lambda r: Conversation(
            cid=str(r["cid"]),
            turns=tuple(
                Turn(
                    query=t["query"],
                    gold=_gold(t.get("gold")),
                    evidence=t.get("evidence"),
                    must_contain=_groups(t.get("must_contain") or []),
                    kind=t["kind"],
                )
                for t in r["turns"]
            ),
        ),
    )
    return EvalSet(root=root, queries=queries, must_contain=answers, conversations=conversations)


def _records(path: Path, what: str, convert: Callable[[dict], T]) -> list[T]:
    """`convert` applied to each JSON record of a .jsonl file (none when the optional file is absent); a
    malformed line raises ValueError naming it."""
    if not path.is_file():
        return []
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            out.append(convert(json.loads(line)))
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as err:
            raise EvalSetError(
                f"{path}:{number}: malformed {what} record ({type(err).__name__}: {err})"
            ) from err
    return out


def _gold(items) -> tuple[GoldRef, ...]:
    return tuple(GoldRef(g["doc"], g.get("page")) for g in items or [])


def _groups(groups) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(str(alt) for alt in group) for group in groups)


def satisfies(text: str, groups: Sequence[Sequence[str]]) -> bool:
    """Whether every group has an alternative in text (lower-cased, whitespace runs collapsed)."""
    haystack = _SPACE.sub(" ", text.lower())
    return all(any(_SPACE.sub(" ", alt.lower()) in haystack for alt in group) for group in groups)


def collapse_space(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def resolve_gold(query: EvalQuery, page_texts: Mapping[str, Sequence[str]]) -> set[PageId]:
    """Gold (doc, page) pairs of a query; `page_texts[doc]` lists that document's page texts in order.

    A page-less gold ref (HTML) resolves to the pages containing the evidence (whitespace collapsed;
    failing that, with all whitespace removed, for phrases broken across rendered lines).
    """
    resolved: set[PageId] = set()
    for ref in query.gold:
        if ref.page is not None:
            resolved.add((ref.doc, ref.page))
        elif query.evidence:
            pages = _pages_with(query.evidence, page_texts.get(ref.doc, ()))
            resolved.update((ref.doc, page) for page in pages)
    return resolved


def _pages_with(phrase: str, texts: Sequence[str]) -> Iterable[int]:
    for squash in (collapse_space, lambda s: _SPACE.sub("", s)):
        needle = squash(phrase)
        pages = [number for number, text in enumerate(texts, start=1) if needle in squash(text)]
        if pages:
            return pages
    return []
