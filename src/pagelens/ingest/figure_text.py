"""Text inside figures: OCR of the raster images embedded in born-digital pages (a plot saved as PNG, a
screenshot), whose axis labels, legends and window titles the text layer lacks.

Which images are read (the rest cost nothing):
- only on pages whose text layer is kept (a page OCR'd whole has read its images with it) and with
  `settings.ocr_figures` on and an OCR engine set;
- only figure regions that are raster images (holding the centre of an image block of the text page: with
  the layout model on, a "figure" may be a vector drawing, whose words are in the text layer) with both
  sides at least `MIN_SIDE_PT` on the page (icons, logos, bullets and thumbnails are smaller), at most
  `MAX_FIGURES` per page, largest first;
- not an image the text layer already covers (`COVERED_WORDS` of its words inside the image's box: the
  hidden text of an OCR'd scan, labels set over a raster map).

Each image is rendered alone at `DPI` (a plot saved at screen resolution with 11 px letters, embedded 4.5
inches wide, reads whole from 200 dpi up and loses tick labels at 150; ~1 s of tesseract per image on the
loaded 2-core machine), written to a temporary PNG and read through the OCR cache
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


def read_figures(
    page: pymupdf.Page,
    textpage: pymupdf.TextPage,
    to_pixels: pymupdf.Matrix,
    regions: Sequence[Region],
    looks: Sequence[Look],
    settings: Settings,
) -> tuple[list[Region], list[Look]]:
    """`regions` and `looks` with the text read inside the page's large raster figures (boxes in the page
    image's pixels: `to_pixels` maps the text page's points to them)."""
    zoom = abs(to_pixels.a + to_pixels.b)  # pixels per point, whatever the page's rotation
    candidates = [r for r in regions if r.kind == "figure" and _side_pt(r, zoom) >= MIN_SIDE_PT]
    if not candidates or not settings.ocr_figures or settings.ocr == "off":
        return list(regions), list(looks)
    words = [_centre(w, to_pixels) for w in textpage.extractWORDS()]
    images = [_centre(block, to_pixels) for block in textpage.extractBLOCKS() if block[6] == 1]
    candidates = [
        r for r in candidates if _count_inside(images, r.box) and _count_inside(words, r.box) < COVERED_WORDS
    ]
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
    return (
        [replace(r, text=read[r.box]) if r.kind == "figure" and r.box in read else r for r in regions],
        [replace(look, text=read[look.box]) if look.box in read else look for look in looks],
    )


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


def _centre(rect: Sequence[float], m: pymupdf.Matrix) -> tuple[float, float]:
    """The centre of a text-page rect (x0, y0, x1, y1, ...; points) in the page image's pixels."""
    x, y = (rect[0] + rect[2]) / 2, (rect[1] + rect[3]) / 2
    return x * m.a + y * m.c + m.e, x * m.b + y * m.d + m.f


def _count_inside(points: Sequence[tuple[float, float]], box: tuple) -> int:
    x0, y0, x1, y1 = box
    return sum(1 for x, y in points if x0 <= x <= x1 and y0 <= y <= y1)
