"""Text inside figures: OCR of the raster images embedded in born-digital pages (a plot saved as PNG, a
screenshot), whose axis labels, legends and window titles the text layer lacks.

Which images are read (the rest cost nothing):
- only on pages whose text layer is kept (a page OCR'd whole has read its images with it) and with
  `settings.ocr_figures` on and an OCR engine set;
- only image blocks with both sides at least `MIN_SIDE_PT` on the page (icons, logos, bullets and
  thumbnails are smaller), at most `MAX_FIGURES` per page, largest first;
- not an image the text layer already covers (`COVERED_WORDS` of its words inside the image's box: the
  hidden text of an OCR'd scan, labels set over a raster map).

Each image is rendered alone at `DPI` (tesseract reads letters of 20+ px best; a plot embedded at screen
resolution has 8-12 px letters on the page), written to a temporary PNG and read through the OCR cache
(`ocr.read_image`, keyed by the PNG's bytes), so adding the same file again reads nothing. Pieces that hold
no letter or digit (tesseract reads curves and markers as "|", "~", "—") are dropped. The text goes to
the figure's region (`Region.text`, indexed with the page's text by the text lane and pointed at by a hit's
region) and to its look (`Look.text`, quoted in a hit's explanation).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pymupdf

from ..config import Settings
from ..types import Look, Region
from .ocr import read_image, reading_order
from .ocr_types import OcrLine

MIN_SIDE_PT = 108  # 1.5 inch: both sides of an image must be at least this to be read
MAX_FIGURES = 4  # images read per page at most (largest first)
COVERED_WORDS = 10  # an image with this many text-layer words inside it is already readable
DPI = 200
_WORD = re.compile(r"[^\W_]{2,}|\d")  # a piece worth keeping holds a letter pair or a digit


def read_figures(page: pymupdf.Page, textpage: pymupdf.TextPage, to_pixels: pymupdf.Matrix,
                 regions: Sequence[Region], looks: Sequence[Look],
                 settings: Settings) -> tuple[list[Region], list[Look]]:
    """`regions` and `looks` with the text read inside the page's large raster figures (boxes in the page
    image's pixels: `to_pixels` maps the text page's points to them)."""
    zoom = abs(to_pixels.a + to_pixels.b)  # pixels per point, whatever the page's rotation
    candidates = [r for r in regions if r.kind == "figure" and _side_pt(r, zoom) >= MIN_SIDE_PT]
    if not candidates or not settings.ocr_figures or settings.ocr == "off":
        return list(regions), list(looks)
    words = textpage.extractWORDS()
    candidates = [r for r in candidates if _words_inside(words, r, to_pixels) < COVERED_WORDS]
    candidates = sorted(candidates, key=lambda r: -_area(r))[:MAX_FIGURES]
    read: dict[tuple, str] = {}
    with tempfile.TemporaryDirectory(prefix="pagelens-figure-") as scratch:
        for n, region in enumerate(candidates):
            clip = pymupdf.Rect(*region.box) / zoom
            pixmap = page.get_pixmap(matrix=pymupdf.Matrix(DPI / 72, DPI / 72), clip=clip, alpha=False)
            png = Path(scratch) / f"figure-{n}.png"
            pixmap.save(png)
            text = figure_text(read_image(png, settings))
            if text:
                read[region.box] = text
    if not read:
        return list(regions), list(looks)
    return ([replace(r, text=read[r.box]) if r.kind == "figure" and r.box in read else r for r in regions],
            [replace(look, text=read[look.box]) if look.box in read else look for look in looks])


def figure_text(pieces: Sequence[OcrLine]) -> str:
    """The lines of an image's OCR pieces in reading order, without the pieces that hold no word."""
    lines = []
    for line in reading_order(list(pieces)):
        kept = " ".join(word for word in line.text.split() if _WORD.search(word))
        if kept:
            lines.append(kept)
    return "\n".join(lines)


def _side_pt(region: Region, zoom: float) -> float:
    x0, y0, x1, y1 = region.box
    return min(x1 - x0, y1 - y0) / zoom


def _area(region: Region) -> float:
    x0, y0, x1, y1 = region.box
    return (x1 - x0) * (y1 - y0)


def _words_inside(words: Sequence[tuple], region: Region, m: pymupdf.Matrix) -> int:
    """Words (PyMuPDF word tuples, text-page points) whose centre lies in the region's box (pixels)."""
    x0, y0, x1, y1 = region.box
    inside = 0
    for word in words:
        x, y = (word[0] + word[2]) / 2, (word[1] + word[3]) / 2
        px, py = x * m.a + y * m.c + m.e, x * m.b + y * m.d + m.f
        inside += x0 <= px <= x1 and y0 <= py <= y1
    return inside
