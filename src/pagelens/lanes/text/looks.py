"""Matching a query against what pages look like (`Page.looks`, `Page.title`): the text lane's "looks"
fields.

What a query asks for: its colour words ("red", "bluish", "gray" -> `looks_vocab.QUERY_COLOURS`) and its
figure-kind words ("histogram" -> plot, "diagram" -> drawing, "colour image" -> colour + image,
`looks_vocab.QUERY_KINDS`). A page's match is the mean over those asks: a colour scores its share of the
page's or a figure's inked area (full marks from `FULL_SHARE` up), a kind scores 1 when the page or one of
its figures has it. The title field scores the share of the query's analysed terms found in the page's
title line. Both are small additions to the text lane's score, so they re-rank pages the text already
found and never decide alone (measured on the dev set; numbers in README "Finding pages by how they look").

A page's title is `headings.page_titles`: the largest-font line, or a slide's first line that is not
furniture (the navigation bar and footer repeat across the deck; the frame title does not).

Storage: one SQLite table next to the lane's BM25 index (`looks.sqlite`: page key -> JSON), written in the
same `index` call; searches read only the candidate pages' rows.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ...analysis import analyze
from ...headings import page_titles
from ...looks_vocab import IMPLIED_KINDS, QUERY_COLOURS, QUERY_KINDS, SHOWING_WORDS
from ...storage import reader_connection
from ...types import Page

FULL_SHARE = 0.2  # a colour covering this share of the inked area (page or figure) matches fully
# kind credit of a query with no showing word (looks_vocab.SHOWING_WORDS). Dev set: any value from 0 to 0.5
# gives the same figure and multihop scores (figure 0.857, multihop 1.0), 0.75 and 1 put a plot page above
# the page whose text answers a multihop question that names the plot (multihop 0.973)
UNSHOWN_KIND = 0.4


@dataclass(frozen=True)
class LooksQuery:
    colours: tuple[str, ...]
    kinds: tuple[str, ...]
    terms: frozenset[str]  # analysed query terms, for the title field
    shows: bool = False  # the query says something is shown ("which page shows", "drawn in blue")

    @classmethod
    def parse(cls, text: str) -> "LooksQuery":
        words = [w.strip(".,;:!?'\"()[]").lower() for w in text.replace("-", " ").split()]
        colours = tuple(dict.fromkeys(QUERY_COLOURS[w] for w in words if w in QUERY_COLOURS))
        kinds = tuple(dict.fromkeys(QUERY_KINDS[w] for w in words if w in QUERY_KINDS))
        return cls(
            colours=colours,
            kinds=kinds,
            terms=frozenset(analyze(text, query=True)),
            shows=any(w in SHOWING_WORDS for w in words),
        )


@dataclass(frozen=True)
class PageLook:
    """What the looks fields keep of a page: best share per colour over the page and its figures, the
    kinds of the page and its figures, the title's analysed terms and the title itself (for explanations),
    the figures' own text (labels, legends, axis titles) and its analysed terms, and the part of it read by
    OCR inside raster figures (`Page.figure_text`, text the page's text layer lacks)."""

    colours: dict[str, float]
    kinds: frozenset[str]
    title: str
    title_terms: frozenset[str]
    figure_text: str = ""
    figure_terms: frozenset[str] = frozenset()
    read_text: str = ""
    read_terms: frozenset[str] = frozenset()

    @classmethod
    def of(cls, page: Page, title: str) -> "PageLook":
        colours: dict[str, float] = {}
        kinds: set[str] = set()
        for look in page.looks:
            kinds.update(look.kinds)
            for name, share in look.colours:
                colours[name] = max(colours.get(name, 0.0), share)
        figure_text = "\n".join(look.text for look in page.looks[1:] if look.text)
        return cls.build(colours, kinds, title, figure_text, page.figure_text)

    @classmethod
    def build(
        cls, colours: dict[str, float], kinds: Iterable[str], title: str, figure_text: str, read_text: str
    ) -> "PageLook":
        return cls(
            colours,
            _with_implied(kinds),
            title,
            frozenset(analyze(title)),
            figure_text,
            frozenset(analyze(figure_text)),
            read_text,
            frozenset(analyze(read_text)),
        )

    def to_json(self) -> str:
        return json.dumps(
            {
                "colours": self.colours,
                "kinds": sorted(self.kinds),
                "title": self.title,
                "figure_text": self.figure_text,
                "read_text": self.read_text,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> "PageLook":
        data = json.loads(text)
        return cls.build(
            data["colours"],
            data["kinds"],
            data["title"],
            data.get("figure_text", ""),
            data.get("read_text", ""),
        )


def _with_implied(kinds: Iterable[str]) -> frozenset[str]:
    return frozenset(kinds) | {implied for kind in kinds for implied in IMPLIED_KINDS.get(kind, ())}


@dataclass(frozen=True)
class LooksMatch:
    colour: float  # 0..1: mean over the query's colour words
    kind: float  # 0..1: share of the query's kind asks met (x UNSHOWN_KIND if the query has no showing word)
    title: float  # 0..1: share of the query's terms in the title
    why: str  # e.g. "colour: red 31%; kind: plot; title: Perfect Path Phylogenies"


def match(query: LooksQuery, page: PageLook) -> LooksMatch:
    parts: list[str] = []
    colours: list[float] = []
    for colour in query.colours:
        share = page.colours.get(colour, 0.0)
        colours.append(min(1.0, share / FULL_SHARE))
        if share:
            parts.append(f"colour: {colour} {round(100 * share)}%")
    kinds = [kind for kind in query.kinds if kind in page.kinds]
    parts.extend(f"kind: {kind}" for kind in kinds)
    # a figure's words explain a kind match; without one, only words the text layer lacks (read by OCR) do
    text, terms = (page.figure_text, page.figure_terms) if kinds else (page.read_text, page.read_terms)
    labelled = {term for term in query.terms & terms if any(c.isalpha() for c in term)}
    if labelled:
        parts.append(f"figure text: '{_quote(text, labelled)}'")
    shared = query.terms & page.title_terms
    title = len(shared) / len(query.terms) if query.terms else 0.0
    if shared:
        parts.append(f"title: {page.title}")
    kind = len(kinds) / len(query.kinds) if query.kinds else 0.0
    return LooksMatch(
        colour=sum(colours) / len(colours) if colours else 0.0,
        kind=kind if query.shows else UNSHOWN_KIND * kind,
        title=title,
        why="; ".join(parts),
    )


def _quote(text: str, terms: set[str], words: int = 8, chars: int = 80) -> str:
    """The first line of `text` holding one of the analysed `terms`, cut to `words` words around it (and to
    `chars` characters: a code token can be a whole line)."""
    for line in text.splitlines():
        tokens = line.split()
        hits = [n for n, token in enumerate(tokens) if set(analyze(token)) & terms]
        if hits:
            start = max(0, min(hits[0] - 2, len(tokens) - words))
            cut = " ".join(tokens[start : start + words])
            more = start + words < len(tokens) or len(cut) > chars
            return f"{'... ' if start else ''}{cut[:chars]}{' ...' if more else ''}"
    return ""


def look_rows(pages: Sequence[Page]) -> list[tuple[str, str, str]]:
    """(page key, doc id, PageLook JSON) of each page, titled within its document (`LooksStore` rows)."""
    by_doc: dict[str, list[Page]] = {}
    for page in pages:
        by_doc.setdefault(page.doc_id, []).append(page)
    return [
        (page.key, page.doc_id, PageLook.of(page, title).to_json())
        for doc_pages in by_doc.values()
        for page, title in zip(doc_pages, page_titles(doc_pages))
    ]


class LooksStore:
    """Page key -> PageLook in `<lane folder>/looks.sqlite` (WAL; one writer, readers anywhere)."""

    def __init__(self, folder: Path, *, writable: bool = True) -> None:
        """`writable=False`: a reader (another process writes the library, or it cannot be written)."""
        path = folder / "looks.sqlite"
        if writable:
            self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS looks (key TEXT PRIMARY KEY, doc_id TEXT NOT NULL, "
                "data TEXT NOT NULL)"
            )
            self._db.execute("CREATE INDEX IF NOT EXISTS looks_doc ON looks (doc_id)")
        else:
            self._db = reader_connection(path)
        self._lock = threading.Lock()

    def replace(self, doc_ids: Iterable[str], rows: Sequence[tuple[str, str, str]]) -> None:
        """Forget `doc_ids`' pages and store `rows` (`look_rows` of all pages of those documents) in one
        transaction."""
        with self._lock, self._db:
            self._db.execute("BEGIN")
            self._db.executemany("DELETE FROM looks WHERE doc_id = ?", [(d,) for d in doc_ids])
            self._db.executemany("INSERT OR REPLACE INTO looks VALUES (?, ?, ?)", rows)

    def delete(self, doc_ids: Iterable[str]) -> None:
        self.replace(doc_ids, [])

    def get(self, keys: Sequence[str]) -> dict[str, PageLook]:
        found: dict[str, PageLook] = {}
        with self._lock:
            for start in range(0, len(keys), 500):
                chunk = list(keys[start : start + 500])
                rows = self._db.execute(
                    f"SELECT key, data FROM looks WHERE key IN ({', '.join('?' * len(chunk))})", chunk
                ).fetchall()
                found.update((key, PageLook.from_json(data)) for key, data in rows)
        return found

    def close(self) -> None:
        with self._lock:
            self._db.close()
