"""HTML rendered offline by MuPDF's own engine: no JavaScript, no network, laid out on A4-sized pages.

Each page's text is extracted from that rendered page, so text and screenshot always agree.
"""

from __future__ import annotations

from collections.abc import Callable

import pymupdf

from ..errors import IngestError
from ..types import Page
from .job import RenderJob
from .pdf import render_document

A4_POINTS = (595.0, 842.0)


def open_html(job: RenderJob, markup: bytes | None = None) -> pymupdf.Document:
    """Lay out `job.path`, or `markup` (HTML made from the file, e.g. from Markdown) when given."""
    try:
        doc = (
            pymupdf.open(job.path, filetype="html")
            if markup is None
            else pymupdf.open(stream=markup, filetype="html")
        )
        doc.layout(width=A4_POINTS[0], height=A4_POINTS[1], fontsize=11)
    except Exception as err:
        raise IngestError(f"the HTML file cannot be laid out ({err}); check that it is valid HTML") from err
    return doc


def render_html(job: RenderJob, on_count: Callable[[int], None], on_page: Callable[[], None]) -> list[Page]:
    """An HTML file laid out on A4 pages, each page's text taken from that laid-out page."""
    return render_document(open_html(job), job, "html", on_count, on_page)
