"""Turn one file into pages. Runs inside the sandboxed worker process (see sandbox.py)."""

from __future__ import annotations

from collections.abc import Callable

from ..types import Page
from .html import open_html
from .errors import IngestError
from .image import render_image
from .job import RenderJob
from .pdf import check_page_count, open_pdf, render_pages


def render_file(job: RenderJob, on_count: Callable[[int], None]) -> list[Page]:
    """Render `job.path`; `on_count(pages)` is called once the page count is known and within limits."""
    if job.kind == "image":
        on_count(1)
        return render_image(job)
    doc = open_html(job) if job.kind == "html" else open_pdf(job)
    with doc:
        total = check_page_count(doc, job)
        first, last = job.pages or (1, total)
        if not 1 <= first <= last <= total:
            raise IngestError(f"pages {first}-{last} asked of a document with {total} pages")
        on_count(last - first + 1)
        if job.count_only:
            return []
        return list(render_pages(doc, job, "layer" if job.kind == "pdf" else "html", range(first - 1, last)))
