"""Loader for an evaluation set (the format of ../shared/eval/dev/README.md) and gold-page resolution.

A set is a folder with `docs/` (the corpus) and `queries.jsonl`. Gold pages are (doc, page) pairs; an
HTML document's gold has page null and is resolved against the pages the library rendered: every page
of that document whose whitespace-collapsed text contains the query's `evidence` phrase.
Shared by the retrieval evaluation (`run.py`) and the answer evaluation (`ask_eval.py`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

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
class EvalSet:
    root: Path
    queries: list[EvalQuery]

    @property
    def docs_dir(self) -> Path:
        return self.root / "docs"

    def doc_paths(self) -> list[Path]:
        """The corpus files, minus helper files (stylesheets) that are not documents."""
        return sorted(p for p in self.docs_dir.iterdir()
                      if p.is_file() and p.suffix.lower() not in _HELPER_SUFFIXES)


_HELPER_SUFFIXES = {".css", ".js", ".md", ".txt", ".json"}
_SPACE = re.compile(r"\s+")


def load_eval_set(root: str | Path) -> EvalSet:
    """Read `root/queries.jsonl`; raises ValueError naming the line of a malformed record."""
    root = Path(root)
    queries_file = root / "queries.jsonl"
    if not queries_file.is_file() or not (root / "docs").is_dir():
        raise FileNotFoundError(f"{root} is not an evaluation set: it needs docs/ and queries.jsonl")
    queries: list[EvalQuery] = []
    for number, line in enumerate(queries_file.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            queries.append(EvalQuery(
                qid=str(record["qid"]), query=record["query"], answer=record.get("answer"),
                gold=tuple(GoldRef(g["doc"], g.get("page")) for g in record.get("gold") or []),
                evidence=record.get("evidence"), type=record["type"],
            ))
        except (json.JSONDecodeError, KeyError, TypeError) as err:
            raise ValueError(f"{queries_file}:{number}: malformed query record ({err})") from err
    return EvalSet(root=root, queries=queries)


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
