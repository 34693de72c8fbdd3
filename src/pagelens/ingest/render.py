"""Turn one file into pages. Runs inside the sandboxed worker process (see sandbox.py)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import cache

from ..types import Page
from .formats import FILE_TYPES, file_type
from .job import RenderJob

Renderer = Callable[[RenderJob, Callable[[int], None], Callable[[], None]], list[Page]]


def render_file(job: RenderJob, on_count: Callable[[int], None], on_page: Callable[[], None]) -> list[Page]:
    """Render `job.path` with its file type's renderer (formats.py); `on_count(pages)` is called once the
    page count is known and within limits, `on_page()` after each page (progress for the parent)."""
    return _renderer(job.kind)(job, on_count, on_page)


def load_renderers() -> None:
    """Import every file type's renderer: the worker does it before it reports ready, so no file's time
    budget pays for importing PyMuPDF or Pillow."""
    for entry in FILE_TYPES:
        _renderer(entry.kind)


@cache
def _renderer(kind: str) -> Renderer:
    module_name, _, attr = file_type(kind).render.partition(":")
    return getattr(importlib.import_module(module_name), attr)
