"""Turn one file into pages. Runs inside the sandboxed worker process (see sandbox.py)."""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable
from pathlib import Path

from ..errors import IngestError
from ..types import Page
from .html import open_html
from .image import render_image
from .job import RenderJob
from .office import convert_to_pdf
from .pdf import check_page_count, open_pdf, render_pages
from .text import text_to_html


def render_file(job: RenderJob, on_count: Callable[[int], None], on_page: Callable[[], None]) -> list[Page]:
    """Render `job.path`; `on_count(pages)` is called once the page count is known and within limits,
    `on_page()` after each page (progress for the parent)."""
    if job.kind == "image":
        on_count(1)
        pages = render_image(job)
        on_page()
        return pages
    if job.kind == "office":
        with tempfile.TemporaryDirectory(prefix="pagelens-office-") as tmp:
            pdf = convert_to_pdf(job.path, Path(tmp), job.settings)
            return render_file(dataclasses.replace(job, path=pdf, kind="pdf"), on_count, on_page)
    if job.kind in ("text", "markdown"):
        doc = open_html(job, text_to_html(job.path, job.kind))
    else:
        doc = open_html(job) if job.kind == "html" else open_pdf(job)
    with doc:
        total = check_page_count(doc, job)
        first, last = job.pages or (1, total)
        if not 1 <= first <= last <= total:
            raise IngestError(f"pages {first}-{last} asked of a document with {total} pages")
        on_count(last - first + 1)
        if job.count_only:
            return []
        pages = []
        for page in render_pages(doc, job, "layer" if job.kind == "pdf" else "html", range(first - 1, last)):
            pages.append(page)
            on_page()
        return pages
