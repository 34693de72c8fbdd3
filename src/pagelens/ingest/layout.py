"""Layout regions of a page (kind + box in PNG pixels + text).

Cheap path (default for bulk): PyMuPDF's text blocks ("text") and image placements ("figure").
"""

from __future__ import annotations

import pymupdf

from ..config import Settings
from ..types import Box, Region

_MIN_FIGURE_PT = 24  # image placements smaller than this (bullets, logos, rules) are not figures


def page_regions(page: pymupdf.Page, textpage: pymupdf.TextPage, to_pixels: pymupdf.Matrix,
                 image_size: tuple[int, int], settings: Settings) -> list[Region]:
    frame = pymupdf.Rect(0, 0, *image_size)
    regions: list[Region] = []
    for x0, y0, x1, y1, text, _no, block_type in textpage.extractBLOCKS():
        if block_type == 0 and text.strip():
            regions.append(Region("text", to_box(pymupdf.Rect(x0, y0, x1, y1), to_pixels, frame), text.strip()))
    for info in page.get_image_info():
        rect = pymupdf.Rect(info["bbox"])
        if rect.width >= _MIN_FIGURE_PT and rect.height >= _MIN_FIGURE_PT:
            regions.append(Region("figure", to_box(rect, to_pixels, frame)))
    return [r for r in regions if r.box[2] > r.box[0] and r.box[3] > r.box[1]]


def to_box(rect: pymupdf.Rect, to_pixels: pymupdf.Matrix, frame: pymupdf.Rect) -> Box:
    """A PDF-space rect as a PNG-pixel box, clipped to the page image `frame`."""
    pixels = (pymupdf.Rect(rect) * to_pixels) & frame
    return (round(pixels.x0, 1), round(pixels.y0, 1), round(pixels.x1, 1), round(pixels.y1, 1))
