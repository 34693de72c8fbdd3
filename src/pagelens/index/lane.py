"""A lane = one way of finding pages (an encoder plus its Chroma collection(s) and side stores).

Every lane speaks page keys (`types.page_key`): the library's catalog turns keys back into `Hit`s.
Lanes are created by name through the registry in `lanes/registry.py`
("text", "dse", "clip:<model>/<pretrained>", "colpali:<checkpoint>").
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..types import doc_id_of_key

if TYPE_CHECKING:
    from PIL import Image

    from ..config import Settings
    from ..types import Page
    from .chroma import ChromaHandle


@dataclass(frozen=True)
class Query:
    """What a user searches with: text, a reference image (composed PDV query), or both.

    `caption` describes the reference image (user-given, or the text of the page/region it came from);
    a PDV lane uses it as the base text that the modification `text` moves away from.
    `docs`: doc ids the search is limited to (None: the whole library). Every lane applies it as a filter
    before ranking (a Chroma `where` on the records' `doc_id`, a mask over a lane's own index), never by
    dropping pages from a top-k afterwards, so a scoped search still returns k pages of the chosen documents.
    """

    text: str | None = None
    image: "Image.Image | None" = None
    caption: str | None = None
    docs: frozenset[str] | None = None
    languages: tuple[str, ...] = ()  # of the searched pages, most pages first (a question may be translated)

    def allows(self, key: str) -> bool:
        """Whether the page with this page key belongs to the documents searched."""
        return self.docs is None or doc_id_of_key(key) in self.docs

    def chroma_where(self) -> dict | None:
        """The Chroma `where` filter for lane records carrying `doc_id` metadata (None: no filter)."""
        return None if self.docs is None else {"doc_id": {"$in": sorted(self.docs)}}


@dataclass(frozen=True)
class TermStatistics:
    """Over a library's live pages: how many there are and how many hold each analysed term, read from a
    lane's own index (the answerer's idf weights without re-reading any page)."""

    pages: int
    document_frequency: Callable[[str], int]


@dataclass(frozen=True)
class LaneHit:
    key: str  # page key
    score: float
    region: int | None = None  # index into Page.regions when the lane matched a region
    why: str = ""  # what matched, when the lane can say (shown with the hit)


@dataclass(frozen=True)
class LaneContext:
    """What a lane needs from the library: its settings, Chroma, and a folder for side stores.

    In a read-only library without a Chroma server, `chroma` is an `UnavailableChroma` whose every call
    raises `StoreUnavailableError` saying why: a lane that cannot work without its vectors fails to
    open with that reason, one that can (the text lane's lexical index) carries on without them.
    """

    settings: "Settings"
    chroma: "ChromaHandle"
    folder: Path  # <library>/lanes/<safe lane name>/ for indexes that live outside Chroma
    read_only: bool = False  # another process writes this library: open side stores without writing


class Lane(ABC):
    """One retrieval lane. Implementations must be safe to call `index` again for a doc (upsert)."""

    name: str
    # True: an add does not wait for this lane; its pages are queued (index/lane_queue.py) and encoded
    # behind it (index/background.py), and searches fuse whatever the lane holds so far. The visual lanes
    # are background lanes: their encoders take seconds to minutes a page on a CPU.
    background: bool = False

    @abstractmethod
    def spec(self) -> dict:
        """Model ids and versions; stored in the manifest. A changed spec means re-embed this lane."""

    @abstractmethod
    def index(self, pages: Sequence["Page"]) -> None:
        """Embed and store pages (all pages of one document at a time)."""

    def preparer(self) -> Callable[[Sequence["Page"]], object] | None:
        """A picklable function of whole documents' pages that does `index`'s computing (analysis,
        vectors) without touching a store, so that the process rendering them can run it; its result goes
        to `index_prepared`. None (the default): `index` does everything."""
        return None

    def index_prepared(self, prepared: object) -> None:
        """Store what `preparer()(pages)` returned: the same as `index(pages)`."""
        raise NotImplementedError(f"the {self.name} lane has no preparer")

    @abstractmethod
    def delete(self, doc_ids: Sequence[str]) -> None:
        """Forget every page of these documents."""

    @abstractmethod
    def search(self, query: Query, k: int) -> list[LaneHit]:
        """Best pages first, only pages of `query.docs` when it is set."""

    def term_statistics(self) -> TermStatistics | None:
        """Page count and document frequencies of analysed terms, when the lane's index holds them."""
        return None

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release models or files; called when the library closes."""
