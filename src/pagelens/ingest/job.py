"""What the sandboxed worker is asked to do with one file (picklable, crosses the process boundary): render
it (`RenderJob`), then compute what the library stores for its pages (`PrepareJob`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..config import Settings
from ..layout import page_image_name
from ..types import Page

# A function of a file's rendered pages computing what the library will store for them (a picklable
# `index.prepared.PagePreparer`, passed down by the writer: this layer imports no lane).
Preparer = Callable[[Sequence[Page]], object]


@dataclass(frozen=True)
class RenderJob:
    path: Path
    kind: str  # a file type of formats.py
    name: str
    doc_id: str
    out_dir: Path  # PNGs go to out_dir/<page_image_name(page)>
    settings: Settings
    pages: tuple[int, int] | None = None  # (first, last), 1-based inclusive: render only these; None: all
    count_only: bool = False  # open, check the limits, report the page count, render nothing

    def png_path(self, page: int) -> Path:
        return self.out_dir / page_image_name(page)


@dataclass(frozen=True)
class PrepareJob:
    """All the rendered pages of one file and the library's `Preparer` for them, run in a worker so that
    the process writing the library does not do the computing (analysis, vectors) as well."""

    pages: list[Page]
    prepare: Preparer
    settings: Settings
