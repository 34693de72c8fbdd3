"""What the sandboxed renderer is asked to do with one file (picklable, crosses the process boundary)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..config import Settings
from ..layout import page_image_name


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
