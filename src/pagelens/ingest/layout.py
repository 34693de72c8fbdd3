"""Layout regions of a page (kind + box in PNG pixels + text).

Cheap path (default for bulk): the text page's blocks, text blocks as "text" and image blocks as
"figure" (the text page is built with TEXT_PRESERVE_IMAGES, so one pass over the page gives both).
"""

from __future__ import annotations

import pymupdf

from ..config import Settings
from ..types import Box, Region

TEXTPAGE_FLAGS = pymupdf.TEXTFLAGS_TEXT | pymupdf.TEXT_PRESERVE_IMAGES
_MIN_FIGURE_PT = 24  # images smaller than this (bullets, logos, rules) are not figures


def page_regions(textpage: pymupdf.TextPage, to_pixels: pymupdf.Matrix, image_size: tuple[int, int],
                 settings: Settings) -> list[Region]:
    regions: list[Region] = []
    for x0, y0, x1, y1, text, _no, block_type in textpage.extractBLOCKS():
        if block_type == 0 and text.strip():
            region = Region("text", to_box((x0, y0, x1, y1), to_pixels, image_size), text.strip())
        elif block_type == 1 and min(x1 - x0, y1 - y0) >= _MIN_FIGURE_PT:
            region = Region("figure", to_box((x0, y0, x1, y1), to_pixels, image_size))
        else:
            continue
        if region.box[2] > region.box[0] and region.box[3] > region.box[1]:
            regions.append(region)
    return regions


def to_box(rect: tuple[float, float, float, float], m: pymupdf.Matrix, image_size: tuple[int, int]) -> Box:
    """A page-space rect as a PNG-pixel box (through matrix `m`), clipped to the image.

    Plain arithmetic on purpose: pymupdf.Rect/Matrix operations cost ~0.5 ms each in Python.
    """
    x0, y0, x1, y1 = rect
    xs = [x * m.a + y * m.c + m.e for x, y in ((x0, y0), (x1, y0), (x0, y1), (x1, y1))]
    ys = [x * m.b + y * m.d + m.f for x, y in ((x0, y0), (x1, y0), (x0, y1), (x1, y1))]
    width, height = image_size
    return (round(min(max(min(xs), 0), width), 1), round(min(max(min(ys), 0), height), 1),
            round(min(max(max(xs), 0), width), 1), round(min(max(max(ys), 0), height), 1))
