"""Page furniture: running headers and footers, page numbers and lines repeated across a document's pages.

Furniture says where a reader is, never what a page says, so it is kept out of answer candidates (a running
header "gnuplot 5.4 43" shares the words of every question about gnuplot). It is computed from the page
regions already stored in the catalog (text + box in page pixels), per document, when a question needs it:
a rule change takes effect in answers at once, without re-ingesting anything. It sits below the lanes and the
answer loop so both can use it. The text lane indexes the two parts of
`Furniture.of(document_pages).split(page)` with different weights, so a query that matches only a running
header ranks its document's pages below a page whose text matches; the lane's spec carries RULE_VERSION, and
a changed rule (bump it) re-indexes that lane from the stored pages, nothing re-rendered.

A region is furniture when its text, with digits folded to '#' and whitespace collapsed (so "36 gnuplot 5.4"
and "42 gnuplot 5.4" are one line), either
- lies in the top or bottom band of the page (BAND of its height) on at least REPEATED_SHARE of the
  document's pages (and on at least MIN_REPEATS pages), or
- lies in the band on at least MIN_REPEATS pages, numbered: a page number at its start or end ("Chapter 8:
  Probability distributions 38", a book's running head that names its chapter, on each of its pages), or
- lies in the band and is only a page number ("12", "- 12 -", "Page 12", "12 / 40", roman numerals), or
- appears anywhere on the page on at least REPEATED_ANYWHERE_SHARE of a document of at least
  MIN_PAGES_ANYWHERE pages (a slide deck's footer line placed mid-page by the layout), and has at least
  MIN_LETTERS letters (a repeated "(%o2) 1404.928" output line of worked examples is content).
"""

from __future__ import annotations

import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .analysis import letter_count
from .types import Corpus, Page

BAND = 0.09  # top and bottom share of the page height where running heads and feet live
REPEATED_SHARE = 0.3
MIN_REPEATS = 3
REPEATED_ANYWHERE_SHARE = 0.6
MIN_PAGES_ANYWHERE = 5
MAX_FURNITURE_CHARS = 120  # longer text is content even when it repeats (runs of spaces count as one)
MIN_LETTERS = 4
CACHED_DOCUMENTS = 512  # documents whose furniture FurnitureCache keeps (a few KB each)
RULE_VERSION = "4"  # part of the text lane's spec: bump it when a rule here changes what furniture is

_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")
_PAGE_NUMBER = re.compile(
    r"^(?:page\s*)?[-–—(\[]?\s*(?:\d{1,4}|[ivxlcdm]{1,6})\s*[-–—)\]]?"
    r"(?:\s*(?:/|of)\s*\d{1,4})?$",
    re.IGNORECASE,
)


def signature(text: str) -> str:
    """The form under which repeated lines are compared: lower case, digits folded, spaces collapsed."""
    return _SPACE.sub(" ", _DIGITS.sub("#", text.lower())).strip()


def is_page_number(text: str) -> bool:
    return bool(_PAGE_NUMBER.match(text.strip()))


@dataclass(frozen=True)
class Furniture:
    """The furniture signatures of one document (band-only and anywhere)."""

    in_band: frozenset[str]
    anywhere: frozenset[str]
    height: float = 0.0  # the document's most common page height in pixels (0: unknown)

    def region_is_furniture(self, text: str, box) -> bool:
        return self.covers(text, in_band=in_band(box, self.height) if self.height else None)

    def covers(self, text: str, *, in_band: bool | None = None) -> bool:
        """Whether a region text (or a line) is furniture; `in_band`: whether it lies in the page's top or
        bottom band (None: unknown, e.g. a line of page text without a box)."""
        stripped = text.strip()
        if not stripped:
            return False
        sig = signature(stripped)
        if sig in self.anywhere:
            return True
        if in_band is False:
            return False
        return sig in self.in_band or (in_band is True and is_page_number(stripped))

    def split(self, page: Page) -> tuple[str, str]:
        """The page's text without its furniture, and its furniture lines. Each furniture region's lines
        leave the text once, looked for from the top for a region in the upper half of the page and from the
        bottom otherwise (the page number "4" at the foot, not a "4" printed by an example above it). A page
        without regions loses the lines that are furniture wherever they stand."""
        lines = page.text.splitlines()
        flat = [line.strip() for line in lines]
        keep = [not (not page.regions and self.covers(line)) for line in flat]
        for region in page.regions:
            if not self.region_is_furniture(region.text, region.box):
                continue
            from_top = page.height <= 0 or region.box[1] + region.box[3] <= page.height
            for piece in (p.strip() for p in region.text.splitlines() if p.strip()):
                order = range(len(lines)) if from_top else range(len(lines) - 1, -1, -1)
                found = next((i for i in order if keep[i] and flat[i] == piece), None)
                if found is not None:
                    keep[found] = False
        return (
            "\n".join(line for line, kept in zip(lines, keep) if kept),
            "\n".join(line for line, kept in zip(lines, keep) if not kept),
        )

    @classmethod
    def of(cls, pages: Sequence[Page]) -> "Furniture":
        band_pages: Counter = Counter()
        any_pages: Counter = Counter()
        for page in pages:
            seen_band, seen_any = set(), set()
            for text, band in _pieces(page):
                sig = signature(text)
                seen_any.add(sig)
                if band:
                    seen_band.add(sig)
            band_pages.update(seen_band)
            any_pages.update(seen_any)
        count = len(pages)
        in_band = {
            s
            for s, n in band_pages.items()
            if n >= max(MIN_REPEATS, REPEATED_SHARE * count) or n >= MIN_REPEATS and _numbered(s)
        }
        anywhere = set()
        if count >= MIN_PAGES_ANYWHERE:
            share = REPEATED_ANYWHERE_SHARE * count
            anywhere = {s for s, n in any_pages.items() if n >= share and letter_count(s) >= MIN_LETTERS}
        heights = Counter(page.height for page in pages)
        height = float(heights.most_common(1)[0][0]) if heights else 0.0
        return cls(frozenset(in_band), frozenset(anywhere), height)


NONE = Furniture(frozenset(), frozenset())


def in_band(box, height: float) -> bool:
    """Whether a region box lies in the top or bottom band of a page this many pixels high."""
    if height <= 0:
        return False
    return box[3] <= BAND * height or box[1] >= (1 - BAND) * height


def _numbered(sig: str) -> bool:
    """Whether a signature (digits folded to '#') starts or ends with a number and has words: a running
    head with its page number."""
    return (sig.startswith("#") or sig.endswith("#")) and letter_count(sig) >= MIN_LETTERS


def _pieces(page: Page) -> Iterable[tuple[str, bool]]:
    """(text, in band) for each short region of a page and for each of its lines."""
    for region in page.regions:
        text = region.text.strip()
        if not text or len(_SPACE.sub(" ", text)) > MAX_FURNITURE_CHARS:  # spaces that align fields: one
            continue
        band = in_band(region.box, page.height)
        yield text, band
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        if len(lines) > 1:
            for line in lines:
                yield line, band


class FurnitureCache:
    """Furniture per document, recomputed when a document's pages change (keyed on doc_id and page count);
    the `size` documents used last are kept (a long-running app over a growing library, or a document
    re-added with a new page count, would otherwise hold every version it ever saw)."""

    def __init__(self, size: int = CACHED_DOCUMENTS) -> None:
        self._known: OrderedDict[tuple[str, int], Furniture] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, library: Corpus, doc: str, doc_id: str, pages: int) -> Furniture:
        key = (doc_id, pages)
        with self._lock:
            known = self._known.get(key)
            if known is not None:
                self._known.move_to_end(key)
                return known
        try:
            furniture = Furniture.of(library.pages(doc))
        except KeyError:  # a document outside the question's scope or removed meanwhile
            furniture = NONE
        with self._lock:
            self._known[key] = furniture
            self._known.move_to_end(key)
            while len(self._known) > self._size:
                self._known.popitem(last=False)
        return furniture

    def __len__(self) -> int:
        return len(self._known)


CACHE = FurnitureCache()


def furniture_of(library: Corpus, docs: Iterable[tuple[str, str]]) -> dict[str, Furniture]:
    """Furniture of the documents given as (name, doc_id), by name."""
    counts = {d.name: d.pages for d in library.documents()}
    return {name: CACHE.get(library, name, doc_id, counts.get(name, 0)) for name, doc_id in docs}
