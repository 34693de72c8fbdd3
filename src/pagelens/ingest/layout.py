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
  "title" region of their own (`_heading_rows`; a run-in one too, `_runs_in`). The text page also breaks a
  row of text into several lines where it finds wide gaps: a table's cells ("Age:", "20", "35", ...), a
  justified line's words; they are joined back into one line per row (cells apart by two spaces, words by
  one), and a block most of whose rows are parted into cells is a "table" region (`_is_grid`).
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
_CELL_GAP_EM = 1.05  # a gap in a row wider than this many of its type's size parts cells (a justified
# line's widest spaces, measured on dev's PDFs: 0.9-1.0; table cells: 1.1 and more)
_RUN_IN_EM = 2.0  # a run-in heading stands this many of its type's size from its paragraph, at most
_GRID_ROWS = 3  # a block of at least this many rows ...
_GRID_SHARE = 0.6  # ... this share of them parted into cells is a table
_BOLD = pymupdf.TEXT_FONT_BOLD
_PERMALINK_MARKS = frozenset({"#", "¶", "§", "🔗"})  # an HTML heading's anchor to itself (`_unmarked`)


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
    boxes = [b["bbox"] for b in blocks if b["type"] == 0]
    regions: list[Region] = []
    last = max((n for n, b in enumerate(blocks) if b["type"] == 0), default=-1)
    for n, block in enumerate(blocks):
        x0, y0, x1, y1 = block["bbox"]
        if block["type"] == 1:
            if min(x1 - x0, y1 - y0) >= _MIN_FIGURE_PT:
                regions.append(Region("figure", to_box((x0, y0, x1, y1), to_pixels, image_size)))
            continue
        rows = _rows([_unmarked(line) for line in block["lines"] if _text(line).strip()])
        if not rows:
            continue
        if _runs_in(rows, body):
            rows = [rows[0][:1], rows[0][1:], *rows[1:]]
        cut = _heading_rows(rows, body, block["bbox"], boxes)
        if cut == len(rows) and n == last:
            cut = 0  # the page's last text heads nothing on it: a title slide's venue, a closing line
        for kind, part in (("title", rows[:cut]), ("text", rows[cut:])):
            if part:
                texts = [_row_text(row) for row in part]
                kind = "table" if kind == "text" and _is_grid(part) else kind
                box = pymupdf.Rect(part[0][0]["bbox"]) if cut else pymupdf.Rect(x0, y0, x1, y1)
                for line in [line for row in part for line in row] if cut else ():
                    box |= line["bbox"]  # the lines' own box: a heading's, and its body's
                regions.append(
                    Region(kind, to_box(tuple(box), to_pixels, image_size), "\n".join(texts).strip())
                )
    return [r for r in regions if r.box[2] > r.box[0] and r.box[3] > r.box[1]]


def _text(line: dict) -> str:
    return "".join(span["text"] for span in line["spans"])


def _unmarked(line: dict) -> dict:
    """The line without a permalink mark set as a span of its own at its end: the anchor an HTML page puts
    after each heading (Node's "path.delimiter" + "#", Sphinx's "¶"), which is not part of the heading and
    kept it from reading as one ("path.delimiter#" ends in no letter; it ran into the paragraph above)."""
    spans = [span for span in line["spans"] if span["text"].strip()]
    if len(spans) > 1 and spans[-1]["text"].strip() in _PERMALINK_MARKS:
        return {**line, "spans": line["spans"][: line["spans"].index(spans[-1])]}
    return line


def _rows(lines: list[dict]) -> list[list[dict]]:
    """A block's lines by row: the text page breaks a row into several lines where it finds wide gaps (a
    table's cells, a justified line's spaces); each such line starts right of the one before it and shares
    most of its height."""
    rows: list[list[dict]] = []
    for line in lines:
        left = rows[-1][-1]["bbox"] if rows else None
        right = line["bbox"]
        height = min(right[3] - right[1], left[3] - left[1]) if left else 0
        if left and right[0] >= left[2] - 1 and min(left[3], right[3]) - max(left[1], right[1]) > height / 2:
            rows[-1].append(line)
        else:
            rows.append([line])
    return rows


def _cells(row: list[dict]) -> list[str]:
    """A row's cells: its lines' text, those apart by a gap wider than `_CELL_GAP_EM` of the type's size
    in separate cells, the others (words of a justified line) in one."""
    cells = [_text(row[0]).strip()]
    for left, right in zip(row, row[1:]):
        size = max((span["size"] for span in left["spans"]), default=0.0)
        if right["bbox"][0] - left["bbox"][2] > _CELL_GAP_EM * size:
            cells.append(_text(right).strip())
        else:
            cells[-1] += " " + _text(right).strip()
    return cells


def _row_text(row: list[dict]) -> str:
    """A row's text: its cells apart by two spaces (how a table's columns read in plain text)."""
    return _text(row[0]) if len(row) == 1 else "  ".join(_cells(row))


def _is_grid(rows: list[list[dict]]) -> bool:
    """Whether a block's rows are a table's: at least `_GRID_ROWS`, most of them parted into cells (a
    heading row or a caption line above them may be one cell)."""
    parted = sum(1 for row in rows if len(row) > 1 and len(_cells(row)) > 1)
    return len(rows) >= _GRID_ROWS and parted >= _GRID_SHARE * len(rows)


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


def _heading_rows(rows: list[list[dict]], body: tuple[float, bool], box: tuple, boxes: list[tuple]) -> int:
    """How many of a text block's first rows are a heading set apart by type: up to `_HEADING_LINES`
    rows of one line each in heading type (`_heading_type`), the block alone on its row (a bold cell beside
    other cells heads a column, not what follows). 0 when none, or when more rows than that qualify (a run
    of bold names is a menu or a list)."""
    count = 0
    for row in rows[: _HEADING_LINES + 1]:
        if len(row) > 1 or not _heading_type(row[0], body):
            break
        count += 1
    if count > _HEADING_LINES or count and _beside(rows[0][0]["bbox"], [b for b in boxes if b != box]):
        return 0
    return count


def _runs_in(rows: list[list[dict]], body: tuple[float, bool]) -> bool:
    """Whether a block opens with a run-in heading: a first line in heading type with the paragraph it heads
    going on in body type on its row after a space of at most `_RUN_IN_EM` of its size ("Column  The
    column(x) function may be used ...", 1-1.15 em on dev's PDFs; a table's row label stands further from
    its cell), the rows after it whole lines (a table's row label is followed by more rows of cells)."""
    first = rows[0]
    size = max((span["size"] for span in first[0]["spans"]), default=0.0)
    return (
        len(first) > 1
        and first[1]["bbox"][0] - first[0]["bbox"][2] <= _RUN_IN_EM * size
        and _heading_type(first[0], body)
        and not _heading_type(first[1], body)
        and all(len(_cells(row)) == 1 for row in rows[1:])
    )


def _heading_type(line: dict, body: tuple[float, bool]) -> bool:
    """A line all in type larger than the body's (TITLE_RATIO) or all in bold on a page whose body is not,
    shaped like a title (headings.title_line: "Method A: 79.98" is a row of data, not a heading)."""
    size, bold_body = body
    spans = [s for s in line["spans"] if s["text"].strip()]
    larger = bool(spans) and min(s["size"] for s in spans) >= TITLE_RATIO * size
    heavy = bool(spans) and not bold_body and all(map(_is_bold, spans))
    return (larger or heavy) and title_line(_text(line))


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
