"""The pages the agent has in hand: retrieved hits, their page-graph neighbours, and pages a follow-up
points at, each remembering how it was found. Only these pages can ever be cited."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from ..language import name as language_name
from ..types import Citation, Hit, Page, Region, page_key

if TYPE_CHECKING:
    from .units import PageUnits


@dataclass
class EvidencePage:
    doc: str
    page: int
    doc_id: str
    text: str
    image_path: str
    regions: list[Region] = field(default_factory=list)
    found_by: str = "search"  # search | neighbour | similar | follow-up
    # best retrieval rank over all searches (0: not retrieved by a search); hit n of a search for a share of
    # the question (the words a page lacked) counts as rank n / share (agent._search)
    rank: int = 0
    score: float = 0.0  # retrieval score of that best rank
    ranks: dict[int, int] = field(default_factory=dict)  # the best rank in each part's searches (part index)
    language: str = ""  # the page's language (ISO 639-1), "" when not known
    # the heading the page's first lines sit under when its section began on the page before
    # (units.PageUnits.closing of that page; agent._carry_headings)
    carried: str | None = None  # None: not looked up yet

    @property
    def key(self) -> str:
        return page_key(self.doc_id, self.page)

    @property
    def label(self) -> str:
        return f"[{self.doc} p.{self.page}]"

    def label_in(self, language: str) -> str:
        """The label, followed by the page's language when it is not `language` (the question's): a quote
        stays in its own language, and the reader is told which (`[b.pdf p.2] (German)`)."""
        if self.language and language and self.language != language:
            return f"{self.label} ({language_name(self.language)})"
        return self.label

    @classmethod
    def from_hit(cls, hit: Hit, rank: int) -> "EvidencePage":
        return cls(
            doc=hit.doc,
            page=hit.page,
            doc_id=hit.doc_id,
            text=hit.text or "",
            image_path=hit.image_path,
            regions=list(hit.regions or []),
            found_by="search",
            rank=rank,
            score=float(hit.score),
            language=hit.language,
        )

    @classmethod
    def from_page(cls, page: Page, found_by: str) -> "EvidencePage":
        return cls(
            doc=page.doc,
            page=page.page,
            doc_id=page.doc_id,
            text=page.text or "",
            image_path=page.image_path,
            regions=list(page.regions or []),
            found_by=found_by,
            language=page.language,
        )

    def citation(self, quote: str = "", region: Region | None = None) -> Citation:
        return Citation(
            doc=self.doc,
            page=self.page,
            doc_id=self.doc_id,
            image_path=self.image_path,
            region=region,
            quote=quote,
        )


class EvidencePool:
    """Pages gathered so far, keyed by page key; a page found again keeps its best retrieval rank, overall and
    in the searches of each part of the question."""

    def __init__(self) -> None:
        self._pages: dict[str, EvidencePage] = {}
        # What the ask has read of its pages, by page key, kept over its rounds and parts (each judges every
        # page again): the heading a page's first lines sit under (`EvidencePage.carried`) and its answer
        # units, which that heading, the document's furniture and the library's frequencies fix for the ask.
        self.carried: dict[str, str] = {}
        self.units: dict[str, PageUnits] = {}

    def add(self, page: EvidencePage, part: int = 0) -> bool:
        """Add or merge a page found by a search of this part (its index); True when it is new."""
        known = self._pages.setdefault(page.key, page)
        if page.rank and page.rank < known.ranks.get(part, page.rank + 1):
            known.ranks[part] = page.rank
        if known is page:
            return True
        if page.rank and (not known.rank or page.rank < known.rank):
            known.rank, known.score = page.rank, page.score
        return False

    def __contains__(self, key: str) -> bool:
        return key in self._pages

    def __len__(self) -> int:
        return len(self._pages)

    def pages(self, part: int | None = None) -> list[EvidencePage]:
        """All pages; for a part (its index), as that part sees them: ranked by its own searches alone (a
        page only another part's search found has no rank), so the hits of one part do not lead another."""
        if part is None:
            return list(self._pages.values())
        return [replace(p, rank=p.ranks.get(part, 0)) for p in self._pages.values()]
