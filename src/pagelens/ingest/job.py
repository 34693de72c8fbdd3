"""What the sandboxed renderer is asked to do with one file (picklable, crosses the process boundary)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..config import Settings
from ..layout import page_image_name
from .detect import Kind

# "printed-html": a PDF that Chromium printed from an HTML file (its pages' text counts as "html")
JobKind = Kind | Literal["printed-html"]


@dataclass(frozen=True)
class RenderJob:
    path: Path
    kind: JobKind
    name: str
    doc_id: str
    out_dir: Path  # PNGs go to out_dir/<page_image_name(page)>
    settings: Settings
    pages: tuple[int, int] | None = None  # (first, last), 1-based inclusive: render only these; None: all
    count_only: bool = False  # open, check the limits, report the page count, render nothing

    def png_path(self, page: int) -> Path:
        return self.out_dir / page_image_name(page)
