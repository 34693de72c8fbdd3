"""Layout regions of a page (kind + box in PNG pixels + text).

Two paths:
- `settings.layout` true: PyMuPDF's layout-analysis ONNX model (`pymupdf.layout`, ships in the wheel,
  offline) classifies blocks as title/text/list/table/figure/caption/formula/header/footer/footnote.
  Costs ~5 s to load once per worker and ~0.8-1.9 s per page on this 2-core machine: ~40x the rest of
  ingestion, hence off by default.
- otherwise (default, for bulk): the text page's blocks, text blocks as "text" and image blocks as
  "figure" (the text page is built with TEXT_PRESERVE_IMAGES, so one pass gives both): ~1 ms/page.
"""

from __future__ import annotations

import pymupdf

from ..config import Settings
from ..types import Box, Region

TEXTPAGE_FLAGS = pymupdf.TEXTFLAGS_TEXT | pymupdf.TEXT_PRESERVE_IMAGES
_MIN_FIGURE_PT = 24  # images smaller than this (bullets, logos, rules) are not figures


# the layout model's classes -> pagelens region kinds
_MODEL_KINDS = {
    "text": "text",
    "section-header": "title",
    "title": "title",
    "list-item": "list",
    "table": "table",
    "picture": "figure",
    "caption": "caption",
    "formula": "formula",
    "page-header": "header",
    "page-footer": "footer",
    "footnote": "footnote",
}


def page_regions(
    page: pymupdf.Page,
    textpage: pymupdf.TextPage,
    to_pixels: pymupdf.Matrix,
    image_size: tuple[int, int],
    settings: Settings,
) -> list[Region]:
    if settings.layout:
        return model_regions(page, textpage, to_pixels, image_size)
    return block_regions(textpage, to_pixels, image_size)


def model_regions(
    page: pymupdf.Page, textpage: pymupdf.TextPage, to_pixels: pymupdf.Matrix, image_size: tuple[int, int]
) -> list[Region]:
    import pymupdf.layout  # noqa: F401 - importing activates the model for Page.get_layout (loads once)

    page.get_layout()
    regions = []
    for x0, y0, x1, y1, label in page.layout_information or []:
        kind = _MODEL_KINDS.get(label, label)
        text = "" if kind == "figure" else textpage.extractTextbox((x0, y0, x1, y1)).strip()
        box = to_box((x0, y0, x1, y1), to_pixels, image_size)
        if box[2] > box[0] and box[3] > box[1]:
            regions.append(Region(kind, box, text))
    return regions


def block_regions(
    textpage: pymupdf.TextPage, to_pixels: pymupdf.Matrix, image_size: tuple[int, int]
) -> list[Region]:
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
    return (
        round(min(max(min(xs), 0), width), 1),
        round(min(max(min(ys), 0), height), 1),
        round(min(max(max(xs), 0), width), 1),
        round(min(max(max(ys), 0), height), 1),
    )
