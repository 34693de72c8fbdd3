"""A lane = one way of finding pages (an encoder plus its Chroma collection(s) and side stores).

Every lane speaks page keys (`types.page_key`): the library's catalog turns keys back into `Hit`s.
Lanes are created by name through the registry in `index/registry.py`
("text", "dse", "clip:<model>/<pretrained>", "colpali:<checkpoint>").
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

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
    """

    text: str | None = None
    image: "Image.Image | None" = None
    caption: str | None = None


@dataclass(frozen=True)
class LaneHit:
    key: str  # page key
    score: float
    region: int | None = None  # index into Page.regions when the lane matched a region


@dataclass(frozen=True)
class LaneContext:
    """What a lane needs from the library: its settings, Chroma, and a folder for side stores."""

    settings: "Settings"
    chroma: "ChromaHandle"
    folder: Path  # <library>/lanes/<safe lane name>/ for indexes that live outside Chroma


class Lane(ABC):
    """One retrieval lane. Implementations must be safe to call `index` again for a doc (upsert)."""

    name: str

    @abstractmethod
    def spec(self) -> dict:
        """Model ids and versions; stored in the manifest. A changed spec means re-embed this lane."""

    @abstractmethod
    def index(self, pages: Sequence["Page"]) -> None:
        """Embed and store pages (all pages of one document at a time)."""

    @abstractmethod
    def delete(self, doc_ids: Sequence[str]) -> None:
        """Forget every page of these documents."""

    @abstractmethod
    def search(self, query: Query, k: int) -> list[LaneHit]:
        """Best pages first."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release models or files; called when the library closes."""
