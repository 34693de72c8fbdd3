"""What a page looks like, computed at ingest from its pixels and its text layout, with no model: colour
names with shares, figure kinds, the figure regions, and the page's title line.

Why these signals: users describe pages by what they see ("the red histogram", "the colour image with a
colour bar", "the slide with a tree"), and the offline text lane cannot see. Everything here reuses what
rendering already made (the pixmap, the text page, the layout regions) and stays cheap, because ingestion
without OCR must keep above 30 pages/s (bench/bench_ingest.py). Measured here (loaded 2-core machine):
PyMuPDF's drawing list (`get_cdrawings`) cost ~8 ms/page and the span dictionary ~10-15 ms/page, so
neither is used: graphics are found in pixels, fonts in the text page's HTML (~4 ms); sampling two pixels
per cell (to catch more hairlines) cost ~30% of a page's rendering time, so one is sampled and the
threshold for a figure is low instead. Rendering a page with looks took 1.16x and 1.36x the time
without (two same-run A/B runs on a loaded machine).

- Graphics: the page's inked pixels (not the background colour) outside every word's box. Their bounding
  box is the page's drawn figure; its pixel colours name the figure's colours (text excluded, so a thin
  red curve is a real share of the figure and black body text is not); the words inside it are the
  figure's text (labels, legend, axis titles).
- Colours (`colour_names`): hue/saturation/value bins over the 4096 quantised colours seen, weighted by
  how many sampled pixels have each; shares are of the inked area.
- Kinds (`looks_vocab.KINDS`): drawn area with numeric tick labels inside -> plot, else drawing; raster
  image blocks -> image, photo (many colours) or screenshot (few flat colours); colour when chromatic
  pixels are a visible share; code from the monospaced share of characters; slide/title from page shape.
- Title: the line(s) in the largest font when that font clearly stands out from the body text.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pymupdf

from ..looks_vocab import CHROMATIC, COLOURS
from ..types import Box, Look, Region

SAMPLE_STEP = 4  # every 4th pixel both ways: ~90k of a 1500 px page's pixels, plenty for 3% shares
MIN_SHARE = 0.03  # colours under this share of the inked area are not named
BACKGROUND_SHARE = 0.35  # the most common colour is background when it covers at least this share
MIN_GRAPHICS = 0.001  # share of the page's samples that must be inked outside text to count as a figure
MIN_FIGURE_PX = 100  # figure regions smaller than this (either side, page pixels) are not described
MIN_TICK_LABELS = 6  # numeric text lines inside a drawn figure that make it a plot
PHOTO_COLOURS = 300  # distinct quantised colours in a raster that make it a photo
CHROMATIC_SHARE = 0.1  # share of inked pixels in chromatic colours that makes a region "colour"
CODE_SHARE = 0.25  # share of characters in a monospaced font that makes a page a code listing
TITLE_RATIO = 1.15  # the largest font must be this much larger than the body font to be a title
TITLE_CHARS = 160
FIGURE_TEXT_CHARS = 2000
LABEL_MARGIN = 40  # page pixels around a drawn figure where its tick labels and axis titles sit
SLIDE_ASPECT = 1.2  # a page this much wider than tall is a slide

_LINE = re.compile(r'<p style="top:([\d.]+)pt;left:([\d.]+)pt;line-height:[\d.]+pt">(.*?)</p>', re.DOTALL)
_SPAN = re.compile(r'<span style="font-family:([^;]*);font-size:([\d.]+)pt[^"]*">([^<]*)</span>')
_NUMBER = re.compile(r"^[−\-+]?\d+([.,]\d+)?%?$")
_MONO = re.compile(r"monospace|mono\b|courier|cmtt|typewriter|consolas|menlo", re.IGNORECASE)
_INDEX = {name: n for n, name in enumerate(COLOURS)}
_HUES = [
    (15, "red"),
    (40, "orange"),
    (68, "yellow"),
    (165, "green"),
    (255, "blue"),
    (290, "purple"),
    (340, "pink"),
    (361, "red"),
]


def colour_names(rgb: np.ndarray) -> np.ndarray:
    """Index into `COLOURS` for each row of an (N, 3) uint8 array (hue/saturation/value bins)."""
    values = rgb.astype(np.float32) / 255.0
    top, low = values.max(axis=1), values.min(axis=1)
    chroma = top - low
    saturation = np.where(top > 0, chroma / np.maximum(top, 1e-6), 0.0)
    r, g, b = values[:, 0], values[:, 1], values[:, 2]
    safe = np.maximum(chroma, 1e-6)
    hue = (
        np.where(top == r, ((g - b) / safe) % 6, np.where(top == g, (b - r) / safe + 2, (r - g) / safe + 4))
        * 60
    )
    names = np.full(len(rgb), _INDEX["grey"], dtype=np.int8)
    names[top < 0.22] = _INDEX["black"]
    names[(saturation < 0.18) & (top > 0.9)] = _INDEX["white"]
    hued = np.full(len(rgb), _INDEX["red"], dtype=np.int8)
    lower = 0.0
    for upper, name in _HUES:
        hued[(hue >= lower) & (hue < upper)] = _INDEX[name]
        lower = upper
    dark_warm = np.isin(hued, (_INDEX["red"], _INDEX["orange"])) & (top < 0.6) & (saturation > 0.3)
    hued[dark_warm & ((hued == _INDEX["orange"]) | (top < 0.45))] = _INDEX["brown"]
    chromatic = (saturation >= 0.18) & (top >= 0.22) & (chroma >= 0.08)
    names[chromatic] = hued[chromatic]
    return names


_CODE_RGB = np.stack([(np.arange(4096) >> shift & 15) * 16 + 8 for shift in (8, 4, 0)], axis=1).astype(
    np.uint8
)
_CODE_NAME = colour_names(_CODE_RGB)  # the colour name of each quantised colour, computed once
_CHROMATIC_CODES = np.isin(_CODE_NAME, [_INDEX[name] for name in CHROMATIC])


def quantise(pixels: np.ndarray) -> np.ndarray:
    """12-bit colour codes (4 bits per channel) of an (..., 3) uint8 array."""
    q = np.ascontiguousarray(pixels) >> 4  # one gather of a strided view, then contiguous arithmetic
    return (q[..., 0].astype(np.int16) << 8) | (q[..., 1].astype(np.int16) << 4) | q[..., 2]


@dataclass(frozen=True)
class Colours:
    shares: tuple[tuple[str, float], ...]  # colour name -> share of the counted pixels, biggest first
    distinct: int  # quantised colours seen
    chromatic: float  # share of the counted pixels in a chromatic colour
    flat: float  # share of the most common quantised colour


def count_colours(codes: np.ndarray) -> Colours:
    """Colour shares of a flat array of quantised colour codes."""
    if not codes.size:
        return Colours((), 0, 0.0, 0.0)
    counts = np.bincount(codes.ravel(), minlength=4096)
    total = counts.sum()
    per_name = np.bincount(_CODE_NAME, weights=counts, minlength=len(COLOURS)) / total
    shares = sorted(
        ((COLOURS[n], round(float(s), 3)) for n, s in enumerate(per_name) if s >= MIN_SHARE),
        key=lambda item: -item[1],
    )
    return Colours(
        tuple(shares),
        int((counts > 0).sum()),
        float(counts[_CHROMATIC_CODES].sum() / total),
        float(counts.max() / total),
    )


@dataclass(frozen=True)
class _Layout:
    title: str
    code_share: float
    words: int
    numbers: list[tuple[float, float]]  # page-point positions (left, top) of lines that are a number


def text_layout(textpage: pymupdf.TextPage) -> _Layout:
    """Fonts and positions of the text lines, read from the text page's HTML (cheaper than its dict)."""
    sizes: Counter[float] = Counter()
    lines: list[tuple[float, str]] = []
    numbers: list[tuple[float, float]] = []
    mono = chars = words = 0
    for top, left, body in _LINE.findall(textpage.extractHTML()):
        spans = _SPAN.findall(body)
        if not spans:
            continue
        text = "".join(span[2] for span in spans).strip()
        text = html.unescape(text) if "&" in text else text
        if not text:
            continue
        largest = 0.0
        for font, size, span_text in spans:
            n = len(span_text.strip())
            size_pt = round(float(size), 1)
            largest = max(largest, size_pt)
            sizes[size_pt] += n
            chars += n
            mono += n if _MONO.search(font) else 0
        lines.append((largest, text))
        words += len(text.split())
        if _NUMBER.match(text):
            numbers.append((float(left), float(top)))
    title = ""
    if sizes:
        body = sizes.most_common(1)[0][0]
        largest = max(size for size, _ in lines)
        if largest >= body * TITLE_RATIO:
            title = " ".join(text for size, text in lines if size == largest)[:TITLE_CHARS]
    return _Layout(title=title, code_share=mono / chars if chars else 0.0, words=words, numbers=numbers)


def page_looks(
    page: pymupdf.Page,
    textpage: pymupdf.TextPage,
    pixmap: pymupdf.Pixmap,
    to_pixels: pymupdf.Matrix,
    regions: Sequence[Region],
    number: int,
) -> tuple[list[Look], str]:
    """The page's look (box None), then one look per figure region: each raster image block (a
    "figure" region) and the drawn area (inked pixels outside text and images). Also the title line."""
    step = SAMPLE_STEP
    pixels = np.frombuffer(pixmap.samples_mv, dtype=np.uint8).reshape(pixmap.height, pixmap.width, pixmap.n)
    codes = quantise(pixels[::step, ::step, :3])
    counts = np.bincount(codes.ravel(), minlength=4096)
    modal = int(counts.argmax())
    inked = codes != modal if counts[modal] >= BACKGROUND_SHARE * codes.size else np.ones(codes.shape, bool)
    layout = text_layout(textpage)
    figures: list[Look] = []
    graphics = inked.copy()
    scale = to_pixels.a / step if to_pixels.b == 0 and to_pixels.c == 0 else None
    words = textpage.extractWORDS() if scale else []
    for x0, y0, x1, y1, *_ in words:
        graphics[int(y0 * scale) : int(y1 * scale) + 2, int(x0 * scale) : int(x1 * scale) + 2] = False
    for region in regions:
        if region.kind != "figure" and scale:
            continue  # words are masked one by one above (a text block's box may hold a whole figure)
        x0, y0, x1, y1 = (int(v) // step for v in region.box)
        graphics[y0 : y1 + 1, x0 : x1 + 1] = False
        if (
            region.kind == "figure"
            and min(region.box[2] - region.box[0], region.box[3] - region.box[1]) >= MIN_FIGURE_PX
        ):
            figures.append(_raster_look(region.box, pixels))
    graphics[graphics.sum(axis=1) >= 0.9 * graphics.shape[1]] = False  # full-width bands: headers, rules
    graphics[:, graphics.sum(axis=0) >= 0.9 * graphics.shape[0]] = False  # full-height side bars
    drawn = _drawn_box(graphics, step, pixmap.width, pixmap.height)
    if drawn is not None:
        colours = count_colours(codes[graphics])
        ticks = sum(
            1
            for left, top in layout.numbers
            if _inside(pymupdf.Point(left + 3, top + 3) * to_pixels, drawn, LABEL_MARGIN)
        )
        kinds = ["plot" if ticks >= MIN_TICK_LABELS else "drawing"]
        figures.append(
            Look(
                box=drawn,
                colours=colours.shares,
                kinds=_with_colour(kinds, colours),
                text=_text_inside(words, drawn, step * scale if scale else 0.0),
            )
        )
    page_colours = count_colours(codes[inked])
    kinds = list(dict.fromkeys(kind for figure in figures for kind in figure.kinds))
    if layout.code_share >= CODE_SHARE:
        kinds.append("code")
    if page.rect.width > page.rect.height * SLIDE_ASPECT:
        kinds.append("slide")
        if number == 1 and layout.words <= 60:
            kinds.append("title")
    whole = Look(box=None, colours=page_colours.shares, kinds=_with_colour(kinds, page_colours))
    return [whole, *figures], layout.title


def _raster_look(box: Box, pixels: np.ndarray) -> Look:
    x0, y0, x1, y1 = (int(v) for v in box)
    stride = max(1, min(x1 - x0, y1 - y0) // 150)  # ~150+ samples per side whatever the region's size
    codes = quantise(pixels[y0:y1:stride, x0:x1:stride, :3]).ravel()
    everything = count_colours(codes)  # photo / screenshot judged on all pixels, colours on the inked ones
    counts = np.bincount(codes, minlength=4096)
    modal = int(counts.argmax())
    colours = (
        count_colours(codes[codes != modal]) if counts[modal] >= BACKGROUND_SHARE * codes.size else everything
    )
    kinds = ["image"]
    if everything.distinct >= PHOTO_COLOURS:
        kinds.append("photo")
    elif everything.flat >= 0.3:
        kinds.append("screenshot")
    return Look(box=box, colours=colours.shares, kinds=_with_colour(kinds, colours))


def _drawn_box(graphics: np.ndarray, step: int, width: int, height: int) -> Box | None:
    """Bounding box (page pixels) of the inked samples outside text, None when too few to be a figure.
    Rows and columns holding a single sample are trimmed, so a stray dot or hairline does not stretch it."""
    total = int(graphics.sum())
    if total < MIN_GRAPHICS * graphics.size:
        return None
    rows, cols = graphics.sum(axis=1), graphics.sum(axis=0)
    ys, xs = np.nonzero(rows >= min(2, rows.max()))[0], np.nonzero(cols >= min(2, cols.max()))[0]
    box = (
        float(xs[0] * step),
        float(ys[0] * step),
        float(min(width, (xs[-1] + 1) * step)),
        float(min(height, (ys[-1] + 1) * step)),
    )
    if min(box[2] - box[0], box[3] - box[1]) < MIN_FIGURE_PX:
        return None
    return box


def _text_inside(words: Sequence[tuple], box: Box, zoom: float) -> str:
    """The words (PyMuPDF word tuples, page points) whose centre lies in `box` (page pixels at `zoom`) or
    within `LABEL_MARGIN` of it (tick labels and axis titles sit just outside the drawn lines): a drawn
    figure's labels, legend and axis titles, up to `FIGURE_TEXT_CHARS`."""
    inside = [
        w[4]
        for w in words
        if _inside(pymupdf.Point((w[0] + w[2]) / 2 * zoom, (w[1] + w[3]) / 2 * zoom), box, LABEL_MARGIN)
    ]
    return " ".join(inside)[:FIGURE_TEXT_CHARS]


def _inside(point: pymupdf.Point, box: Box, margin: float) -> bool:
    return box[0] - margin <= point.x <= box[2] + margin and box[1] - margin <= point.y <= box[3] + margin


def _with_colour(kinds: Sequence[str], colours: Colours) -> tuple[str, ...]:
    extra = ["colour"] if colours.chromatic >= CHROMATIC_SHARE else []
    return tuple(dict.fromkeys([*kinds, *extra]))
