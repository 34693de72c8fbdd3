"""The in-app page viewer: a page image with the cited region highlighted, previous/next page, zoom, the
page's text, and a link to the original file at that page.

`ViewerState` is what the app keeps per browser tab (a document, a page, a zoom level and the cited boxes
of that document's pages); `viewer_html` draws it. The highlight is an overlay positioned in percent of the
page, grown by a padding and translucent, so it stays aligned at every zoom and never hides the text.
"""

from __future__ import annotations

import html
import urllib.parse
from dataclasses import dataclass, field, replace

from ..language import name as language_name
from ..library import Library
from ..types import Box, DocumentInfo, Page
from .originals import original_url, servable, unserved
from .thumbnails import PADDING_SHARE

ZOOMS = (50, 75, 100, 125, 150, 200, 300)  # percent of the viewer's width
DEFAULT_ZOOM = 100


@dataclass(frozen=True)
class ViewerState:
    doc: str = ""  # document name; empty: nothing open
    page: int = 1
    zoom: int = DEFAULT_ZOOM
    boxes: dict[int, tuple[Box, ...]] = field(default_factory=dict)  # page -> regions highlighted on it

    def moved(self, step: int, pages: int) -> "ViewerState":
        return replace(self, page=min(max(1, self.page + step), max(1, pages)))

    def zoomed(self, step: int) -> "ViewerState":
        index = ZOOMS.index(self.zoom) if self.zoom in ZOOMS else ZOOMS.index(DEFAULT_ZOOM)
        return replace(self, zoom=ZOOMS[min(max(0, index + step), len(ZOOMS) - 1)])


def file_url(path: str) -> str:
    """Gradio's file route for a file the app is allowed to serve (page images, highlighted copies)."""
    return f"/gradio_api/file={urllib.parse.quote(str(path))}"


def viewer_html(library: Library, state: ViewerState) -> str:
    """The viewer's HTML; a hint when nothing is open or the document is gone."""
    if not state.doc:
        return '<div class="pl-viewer-empty">Click a cited page or a search result to open it here.</div>'
    doc = next((d for d in library.documents() if d.name == state.doc and d.status == "complete"), None)
    if doc is None:
        return f'<div class="pl-viewer-empty">{html.escape(state.doc)} is no longer in the library.</div>'
    pages = library.pages(doc.name)
    page = pages[min(max(state.page, 1), len(pages)) - 1]
    overlay = "".join(_overlay(page, box) for box in state.boxes.get(page.page, ()))
    text = html.escape(page.text.strip()) or "<em>No text was found on this page.</em>"
    return (
        f'<div class="pl-viewer" data-doc="{html.escape(doc.name)}" data-page="{page.page}">'
        f'<div class="pl-viewer-head"><span class="pl-viewer-title" title="{html.escape(doc.name)}">'
        f'{html.escape(doc.name)}</span> <span class="pl-viewer-page">page {page.page} of {len(pages)}'
        f" · {state.zoom}%</span> {_original_link(library, doc, page.page)}</div>"
        f'<div class="pl-viewer-scroll"><div class="pl-page" style="width:{state.zoom}%">'
        f'<img src="{file_url(page.image_path)}" alt="{html.escape(doc.name)}, page {page.page}">'
        f"{overlay}</div></div>"
        f'<details class="pl-page-text"><summary>Text of this page{_languages(page)}</summary>'
        f"<pre>{text}</pre></details></div>"
    )


def _languages(page: Page) -> str:
    """' (in German)' or ' (in German and English)' for a page mixing languages; '' when not known."""
    names = [language_name(code) for code in page.languages]
    return f" (in {' and '.join(names)})" if names else ""


def open_citation(state: ViewerState, doc: str, page: int, boxes: dict[int, tuple[Box, ...]]) -> ViewerState:
    """Open `doc` at `page`, keeping the zoom; `boxes` are the regions to highlight on that document's
    pages (an answer's cited passages, or a search's best regions)."""
    return ViewerState(doc=doc, page=page, zoom=state.zoom, boxes=dict(boxes))


def page_count(library: Library, doc: str) -> int:
    try:
        return len(library.pages(doc))
    except KeyError:
        return 0


def _overlay(page: Page, box: Box) -> str:
    if page.width <= 0 or page.height <= 0:
        return ""
    pad = max(page.width, page.height) * PADDING_SHARE
    x0, y0 = max(0.0, box[0] - pad), max(0.0, box[1] - pad)
    x1, y1 = min(float(page.width), box[2] + pad), min(float(page.height), box[3] + pad)
    if x1 <= x0 or y1 <= y0:
        return ""
    style = (
        f"left:{100 * x0 / page.width:.2f}%;top:{100 * y0 / page.height:.2f}%;"
        f"width:{100 * (x1 - x0) / page.width:.2f}%;height:{100 * (y1 - y0) / page.height:.2f}%"
    )
    return f'<div class="pl-highlight" style="{style}" title="cited passage"></div>'


def _original_link(library: Library, doc: DocumentInfo, page: int) -> str:
    if servable(library, doc) is None:
        return f'<span class="pl-original-missing">{html.escape(unserved(library, doc))}</span>'
    return (
        f'<a class="pl-original" href="{html.escape(original_url(doc, page))}" target="_blank" '
        f'rel="noopener">Open the original at this page ↗</a>'
    )
