"""Ingestion's public face: `ingest_file` turns one file into pages, rendered in a sandboxed child.

Cheap checks (size, kind) run here in the parent; everything that parses the file runs in the child
(see sandbox.py), so a hostile file can at worst cost its own time budget.
"""

from __future__ import annotations

import atexit
import dataclasses
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..config import Settings
from ..errors import IngestError
from ..types import Page
from .chromium import print_html
from .detect import SUPPORTED_SUFFIXES, content_hash, detect_kind
from .formats import file_type, unsupported_message
from .job import PrepareJob, Preparer, RenderJob
from .sandbox import POOL
from .watch import Watch

__all__ = [
    "IngestError",
    "SUPPORTED_SUFFIXES",
    "content_hash",
    "detect_kind",
    "ingest_file",
    "prepare_pages",
    "warm_up",
]

# fewer pages than this per worker are not worth a second process (a scanned page costs ~2 CPU-s to OCR)
MIN_PAGES_PER_PART = 4

atexit.register(POOL.shutdown)


def ingest_file(
    path: Path, *, name: str, doc_id: str, out_dir: Path, settings: Settings, watch: Watch | None = None
) -> list[Page]:
    """Render `path` into `out_dir/<page:05d>.png` and return its pages (1-based, in order).

    Raises IngestError with a message a user can act on; a failed file leaves no PNGs behind.
    `watch`: page progress callbacks and a cancel flag (watch.py).
    """
    path = Path(path)
    watch = watch or Watch()
    try:
        size = path.stat().st_size
        kind = detect_kind(path)
    except OSError as err:
        raise IngestError(f"cannot read the file: {err.strerror or err}") from err
    if size == 0:
        raise IngestError("the file is empty (0 bytes); nothing to add")
    if size > settings.max_file_bytes:
        raise IngestError(
            f"the file is {size:,} bytes, more than the max_file_bytes limit of "
            f"{settings.max_file_bytes:,}; split it, or raise the limit with "
            f"PAGELENS_MAX_FILE_BYTES={size}"
        )
    if kind is None:
        raise IngestError(unsupported_message())
    out_dir = Path(out_dir).resolve()
    existed = out_dir.exists()
    try:
        if kind == "html" and settings.html_renderer == "chromium":
            with tempfile.TemporaryDirectory(prefix="pagelens-html-") as tmp:
                printed = Path(tmp) / "printed.pdf"
                print_html(path, printed, settings.file_timeout_s)
                return render_in_parts(
                    RenderJob(
                        path=printed,
                        kind="printed-html",
                        name=name,
                        doc_id=doc_id,
                        out_dir=out_dir,
                        settings=settings,
                    ),
                    watch,
                )
        return render_in_parts(
            RenderJob(
                path=path.resolve(), kind=kind, name=name, doc_id=doc_id, out_dir=out_dir, settings=settings
            ),
            watch,
        )
    except BaseException:
        if not existed:
            shutil.rmtree(out_dir, ignore_errors=True)
        raise


def prepare_pages(
    pages: list[Page], prepare: Preparer, settings: Settings, watch: Watch | None = None
) -> object:
    """`prepare(pages)` in a sandboxed worker (all the pages of one file, whatever ranges rendered them),
    with the time limit of rendering that many pages; IngestError if it fails or runs out of time."""
    return POOL.prepare(PrepareJob(pages, prepare, settings), watch or Watch())


def render_in_parts(job: RenderJob, watch: Watch) -> list[Page]:
    """With `settings.workers` > 1, a long document is split into page ranges rendered by that many
    workers at once (each range sandboxed and timed on its own); otherwise one worker renders it all."""
    workers = job.settings.workers
    if workers <= 1 or not file_type(job.kind).splits:
        return POOL.render(job, watch)
    total = POOL.count_pages(job, watch)
    if total < MIN_PAGES_PER_PART * 2:
        return POOL.render(job, watch)
    parts = min(workers, total // MIN_PAGES_PER_PART)
    bounds = [round(total * i / parts) for i in range(parts + 1)]
    ranges = [dataclasses.replace(job, pages=(bounds[i] + 1, bounds[i + 1])) for i in range(parts)]
    with ThreadPoolExecutor(parts, thread_name_prefix="ingest") as pool:
        return [page for part in pool.map(lambda part: POOL.render(part, watch), ranges) for page in part]


def warm_up(settings: Settings) -> None:
    """Start `settings.workers` rendering workers in the background (Python + PyMuPDF imports take
    seconds on a busy machine); call it when a batch of files is about to be added. Returns at once."""
    POOL.warm_up(settings.memory_cap_mb, max(1, settings.workers))
