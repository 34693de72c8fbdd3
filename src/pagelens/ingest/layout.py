"""Layout regions of a page (kind + box in PNG pixels + text).

Two paths:
- `settings.layout` true: PyMuPDF's layout-analysis ONNX model (`pymupdf.layout`, ships in the wheel,
  offline) classifies blocks as title/text/list/table/figure/caption/formula/header/footer/footnote.
  Costs ~5 s to load once per worker and ~0.8-1.9 s per page on this 2-core machine: ~40x the rest of
  ingestion, hence off by default.
- otherwise (default, for bulk): the text page's blocks, text blocks as "text" and image blocks as
  "figure" (the text page is built with TEXT_PRESERVE_IMAGES, so one pass gives both), read from the text
  page's dictionary (~1 ms/page; the same text as its plain blocks, with each span's font): a heading is a
  block's first line or two set apart by type alone, which the blocks' text cannot tell ("Poisson models"
  in bold over its paragraph, "Using specifier functions" in bold at the body's size), so such lines are a
  "title" region of their own (`_heading_lines`).
"""

from __future__ import annotations

import pymupdf

from ..config import Settings
from ..headings import title_line
from ..types import Box, Region
from .looks import TITLE_RATIO

TEXTPAGE_FLAGS = pymupdf.TEXTFLAGS_TEXT | pymupdf.TEXT_PRESERVE_IMAGES
_MIN_FIGURE_PT = 24  # images smaller than this (bullets, logos, rules) are not figures
_HEADING_LINES = 2  # a block opens with at most this many heading lines (a title that wraps once)
_BOLD = pymupdf.TEXT_FONT_BOLD


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
    blocks = textpage.extractDICT()["blocks"]
    body = _body_type(blocks)
    rows = [b["bbox"] for b in blocks if b["type"] == 0]
    regions: list[Region] = []
    last = max((n for n, b in enumerate(blocks) if b["type"] == 0), default=-1)
    for n, block in enumerate(blocks):
        x0, y0, x1, y1 = block["bbox"]
        if block["type"] == 1:
            if min(x1 - x0, y1 - y0) >= _MIN_FIGURE_PT:
                regions.append(Region("figure", to_box((x0, y0, x1, y1), to_pixels, image_size)))
            continue
        lines = [line for line in block["lines"] if "".join(s["text"] for s in line["spans"]).strip()]
        if not lines:
            continue
        cut = _heading_lines(lines, body, block["bbox"], rows)
        if cut == len(lines) and n == last:
            cut = 0  # the page's last text heads nothing on it: a title slide's venue, a closing line
        for kind, part in (("title", lines[:cut]), ("text", lines[cut:])):
            if part:
                text = "\n".join("".join(s["text"] for s in line["spans"]) for line in part).strip()
                box = pymupdf.Rect(part[0]["bbox"]) if cut else pymupdf.Rect(x0, y0, x1, y1)
                for line in part[1:] if cut else ():
                    box |= line["bbox"]  # the lines' own box: a heading's, and its body's
                regions.append(Region(kind, to_box(tuple(box), to_pixels, image_size), text))
    return [r for r in regions if r.box[2] > r.box[0] and r.box[3] > r.box[1]]


def _body_type(blocks: list[dict]) -> tuple[float, bool]:
    """The page's body type: its most common font size (by characters), and whether most of its characters
    are bold (a page set all in bold has no bold headings)."""
    sizes: dict[float, int] = {}
    bold = total = 0
    for block in blocks:
        for line in block.get("lines", ()):
            for span in line["spans"]:
                n = len(span["text"].strip())
                sizes[round(span["size"], 1)] = sizes.get(round(span["size"], 1), 0) + n
                bold += n if _is_bold(span) else 0
                total += n
    return (max(sizes, key=sizes.get) if sizes else 0.0), 2 * bold > total


def _heading_lines(lines: list[dict], body: tuple[float, bool], box: tuple, rows: list[tuple]) -> int:
    """How many of a text block's first lines are a heading set apart by type: up to `_HEADING_LINES`
    lines each all in type larger than the body's (TITLE_RATIO) or all in bold on a page whose body is not,
    each shaped like a title (headings.title_line: "Method A: 79.98" is a row of data, not a heading), alone
    on its row (a bold cell beside other cells, lines of its block or blocks, heads a column, not what
    follows). 0 when none, or when more lines than that qualify (a run of bold names is a menu or a list)."""
    size, bold_body = body
    count = 0
    for i, line in enumerate(lines[: _HEADING_LINES + 1]):
        spans = [s for s in line["spans"] if s["text"].strip()]
        text = "".join(s["text"] for s in line["spans"])
        larger = bool(spans) and min(s["size"] for s in spans) >= TITLE_RATIO * size
        heavy = bool(spans) and not bold_body and all(map(_is_bold, spans))
        cells = [other["bbox"] for other in lines[max(0, i - 1) : i + 2] if other is not line]
        if not ((larger or heavy) and title_line(text)) or _beside(line["bbox"], cells):
            break
        count += 1
    others = [other for other in rows if other != box]
    if count > _HEADING_LINES or count and _beside(lines[0]["bbox"], others):
        return 0
    return count


def _beside(line: tuple, boxes: list[tuple]) -> bool:
    """Whether one of these boxes, no taller than two of this line, sits on its row: a cell beside it (a
    bold header cell heads its column, not what follows it; a paragraph of the next column is taller)."""
    height = line[3] - line[1]
    return any(
        other[3] - other[1] <= 2 * height and min(line[3], other[3]) - max(line[1], other[1]) > height / 2
        for other in boxes
    )


def _is_bold(span: dict) -> bool:
    return bool(span["flags"] & _BOLD) or "bold" in span["font"].lower()


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
