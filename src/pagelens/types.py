"""The records pagelens passes around: pages, regions, hits, answers.

Boxes are in page-image pixels (x0, y0, x1, y1) of the PNG screenshot stored for the page, so a UI can
draw them on the thumbnail without knowing the source format.
"""

from __future__ import annotations

import typing
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from .analysis import CorpusStats

TextSource = Literal["layer", "ocr", "html", "none"]
Box = tuple[float, float, float, float]


def page_key(doc_id: str, page: int) -> str:
    """The id a page has in every lane and in the catalog: `<doc_id>:<page, zero-padded>`."""
    return f"{doc_id}:{page:05d}"


def doc_id_of_key(key: str) -> str:
    """The doc id part of a page key (the inverse of `page_key` for the document)."""
    return key.rpartition(":")[0]


@dataclass(frozen=True)
class Region:
    """A layout block on a page: paragraph, title, table, figure, ... with its box and its text."""

    kind: str
    box: Box
    text: str = ""
    language: str = ""  # ISO 639-1, only where it differs from its page's (a page mixing languages)


@dataclass(frozen=True)
class Look:
    """How a page (box None) or a figure region of it looks: colour names with their share of the inked
    (non-background) area, biggest first, and figure kinds (names in `looks_vocab`). `text` is text read
    inside the figure (OCR of an embedded raster image), which the page's text layer lacks."""

    box: Box | None
    colours: tuple[tuple[str, float], ...] = ()
    kinds: tuple[str, ...] = ()
    text: str = ""


@dataclass
class Page:
    """One page of a document, as ingested."""

    doc_id: str  # sha256 of (file content hash, name): the same file under two names is two documents
    doc: str  # the document's name in the library (file name as added)
    page: int  # 1-based
    image_path: str  # absolute path of the PNG screenshot
    width: int  # pixels of the PNG
    height: int
    text: str
    text_source: TextSource
    regions: list[Region] = field(default_factory=list)
    looks: list[Look] = field(default_factory=list)  # the page's own look first, then its figures'
    title: str = (
        ""  # the largest-font line (a slide's frame title, a section heading), "" when none stands out
    )
    language: str = ""  # ISO 639-1 code of most of its text (pagelens.language), "" when not known

    @property
    def languages(self) -> list[str]:
        """Every language of the page: its own first, then its regions' others (a page mixing languages)."""
        others = sorted({r.language for r in self.regions if r.language} - {self.language})
        return ([self.language] if self.language else []) + others

    @property
    def key(self) -> str:
        return page_key(self.doc_id, self.page)

    @property
    def is_slide(self) -> bool:
        """Whether ingest's looks read the page as a slide (`looks_vocab`): its headings head only it."""
        return bool(self.looks) and "slide" in self.looks[0].kinds

    @property
    def figure_text(self) -> str:
        """Text read inside the page's raster figures (OCR at ingest, `ingest/figure_text.py`), which its
        text layer lacks: a figure region's text is never text-layer text."""
        return "\n".join(r.text for r in self.regions if r.kind == "figure" and r.text)


@dataclass(frozen=True)
class LaneRank:
    """Where one lane placed a hit: 1-based rank, that lane's own score, and what matched when the lane
    can say (e.g. "colour: red 31%", "title: Perfect Path Phylogenies")."""

    rank: int
    score: float
    why: str = ""


@dataclass
class Hit:
    """A retrieved page. `lanes` says which lanes found it and where; `region` is the best-matching block."""

    doc: str
    page: int
    score: float
    text: str
    image_path: str
    regions: list[Region]
    doc_id: str
    rank: int = 0
    lanes: dict[str, LaneRank] = field(default_factory=dict)
    region: Region | None = None
    similar_pages: list[int] = field(default_factory=list)  # near-duplicates folded into this hit (overlays)
    language: str = ""  # the page's language (ISO 639-1; "" when not known)

    @property
    def key(self) -> str:
        return page_key(self.doc_id, self.page)

    @property
    def region_language(self) -> str:
        """The language of the text that matched: the hit's region's when it is in another language than
        the page (a page mixing languages), else the page's."""
        return (self.region.language if self.region is not None else "") or self.language


@dataclass
class Citation:
    """A page an answer relies on, optionally narrowed to a region and a quoted passage."""

    doc: str
    page: int
    doc_id: str
    image_path: str
    region: Region | None = None
    quote: str = ""

    @property
    def label(self) -> str:
        return f"[{self.doc} p.{self.page}]"


@dataclass
class Step:
    """One step of the agent's loop, for the trace shown in the UI and returned in `Answer.steps`."""

    kind: str  # rewrite | decompose | search | read | judge | answer | error
    title: str
    detail: str = ""


@dataclass(frozen=True)
class Gap:
    """What the best evidence for a question lacks (rag/answer_kind.py), and the confidence share it keeps."""

    kind: str  # number | default | stated_number | focus | unknown_name (answer_kind.py, extractive.py)
    # | answer_type | unwritten_name | other_document | disagreement | semantic | unmet_ask (abstain.py)
    what: str  # in words, for the judge step and the abstention message
    factor: float


@dataclass
class Answer:
    text: str
    citations: list[Citation]
    steps: list[Step]
    answerable: bool
    confidence: float = 0.0  # the evidence score abstention compares with settings.answer_min_confidence
    gaps: list[Gap] = field(default_factory=list)  # of the evidence that gave `confidence` (already applied)


# added/updated/unchanged/failed: `add` and `sync`; renamed/removed/busy (still being written): `sync` only
FileStatus = Literal["added", "updated", "unchanged", "renamed", "removed", "busy", "failed"]
FILE_STATUSES: tuple[FileStatus, ...] = typing.get_args(FileStatus)


@dataclass
class FileOutcome:
    """What `Library.add` or `Library.sync` did with one file."""

    name: str  # document name in the library
    path: str  # the path it was read from
    status: FileStatus
    pages: int = 0
    reason: str = ""  # for failed and busy: a sentence a user can act on
    previous: str = ""  # for renamed: the document's name before
    clashed_with: str = ""  # for added: the name it was given, taken by a different document (see reason)


@dataclass
class AddReport:
    files: list[FileOutcome] = field(default_factory=list)

    def by_status(self, status: FileStatus) -> list[FileOutcome]:
        return [f for f in self.files if f.status == status]

    @property
    def ok(self) -> bool:
        return not self.by_status("failed")


@dataclass(frozen=True)
class AddProgress:
    """Where a `Library.add` stands, passed to its `on_progress` callback (on the thread that called add)
    before the first file, as pages are counted and rendered, and as each file finishes."""

    files_done: int
    files_total: int
    pages_done: int  # pages rendered so far (unchanged files add none)
    pages_total: int  # pages counted so far, plus files not opened yet at the mean page count so far
    pages_per_s: float  # pages_done over the time since add started (0.0 before the first page)
    eta_s: float | None  # seconds left at that rate; None until the first page is done
    name: str  # the file the latest event was about ("" before the first)
    file_pages_done: int = 0  # that file's pages rendered so far
    file_pages_total: int = 0  # that file's pages counted so far (0 before it is opened)
    finished: FileOutcome | None = None  # when this event is that file finishing: what happened to it

    @property
    def summary(self) -> str:
        """One line for a progress display: "file 2/5 · 37/120 pages · 3.1 pages/s · about 27 s left"."""
        parts = [
            f"file {min(self.files_done + 1, self.files_total)}/{self.files_total}",
            f"{self.pages_done}/{self.pages_total} pages",
        ]
        if self.pages_per_s:
            parts.append(f"{self.pages_per_s:.1f} pages/s")
        if self.eta_s is not None:
            parts.append(f"about {self.eta_s:.0f} s left")
        return " · ".join(parts)


@dataclass(frozen=True)
class DocumentInfo:
    name: str
    doc_id: str
    pages: int
    kind: str  # pdf | html | image | office | text | markdown
    added_at: str  # ISO time
    status: str = "complete"
    source: str = ""  # absolute path of the file it was read from (what `sync` matches folders on)
    content_hash: str = ""  # sha256 of that file's bytes
    # background (visual) lane -> pages of this document it has still to encode (index/background.py)
    queued: dict[str, int] = field(default_factory=dict, compare=False)


class Corpus(Protocol):
    """What the answer loop (`rag/`) and the furniture rules read a library through: the documents, their
    pages, a ranked search and the word statistics of the pages. `library.Library` is one; the
    `library.ScopedLibrary` that `Library.ask(docs=...)` hands over is another, limited to a choice of
    documents. Typed here, at the bottom, so the layers below the library never name the library."""

    def documents(self) -> list[DocumentInfo]:
        """The documents by name, pending ones (status 'pending') included."""
        ...

    def pages(self, name: str) -> list[Page]:
        """All pages of the document named `name`, in order; a KeyError when there is none (in view)."""
        ...

    def get_pages(self, keys: Sequence[str]) -> list[Page]:
        """Pages by page key (`page_key`), in the order asked; unknown keys are skipped."""
        ...

    def search(self, text: str | None = None, k: int | None = None) -> list[Hit]:
        """Ranked pages for a text query; a ValueError for a query the corpus refuses."""
        ...

    def search_notes(self, text: str) -> list[str]:
        """What a search does with a question asked in another language than pages of the corpus: the
        dictionary translations it adds, or which dictionary to install (lines for the search step)."""
        ...

    def statistics(self) -> CorpusStats:
        """Document frequencies of analysed terms over the complete pages (idf weights of the answerer)."""
        ...
