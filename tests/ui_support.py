"""Start the real app in-process on a free port, for the UI, browser and security tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pymupdf
from library_helpers import free_port

from pagelens.config import Settings
from pagelens.ui.server import Served, launch


@contextmanager
def running_app(library: Path, **overrides) -> Iterator[Served]:
    """The app as `launch` serves it (security options included), with an empty library unless told."""
    settings = Settings.from_env({}, library=library, port=free_port(), **overrides)
    served = launch(settings, sample_dir=None, prevent_thread_lock=True)
    try:
        yield served
    finally:
        served.close()


def gnuplot_excerpt(sample_docs: Path, target: Path) -> Path:
    """Pages 9-11 of the dev set's gnuplot-expressions.pdf (rand(), value(), operator precedence) as one
    small PDF at `target`: quick to ingest, with questions whose answers sit on known pages."""
    with pymupdf.open(sample_docs / "gnuplot-expressions.pdf") as source, pymupdf.open() as excerpt:
        excerpt.insert_pdf(source, from_page=8, to_page=10)
        excerpt.save(target)
    return target


def two_documents(folder: Path, sample_docs: Path, finance_name: str) -> dict[str, Path]:
    """The browser tests' library: the gnuplot excerpt (as "gnuplot functions.pdf") and the sample's Maxima
    finance page under `finance_name`."""
    finance = folder / finance_name
    finance.write_bytes((sample_docs / "maxima-finance.html").read_bytes())
    return {"gnuplot": gnuplot_excerpt(sample_docs, folder / "gnuplot functions.pdf"), "finance": finance}
