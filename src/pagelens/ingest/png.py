"""Writing page screenshots as PNG files."""

from __future__ import annotations

import os
from pathlib import Path

import pymupdf


def write_png(pixmap: pymupdf.Pixmap, path: Path) -> None:
    """Write atomically (temp name, then rename) so a killed renderer never leaves half a PNG behind."""
    partial = path.with_suffix(".png.part")
    pixmap.save(str(partial), output="png")
    os.replace(partial, path)
