"""Turn one file into pages. Runs inside the sandboxed worker process (see sandbox.py)."""

from __future__ import annotations

from collections.abc import Callable

from ..types import Page
from .html import open_html
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
        on_count(check_page_count(doc, job))
        return list(render_pages(doc, job, "layer" if job.kind == "pdf" else "html"))
