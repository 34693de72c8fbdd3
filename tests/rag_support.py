"""Shared set-up for the answer-loop tests: a real Library (text lane, real ingestion) over dev documents
without OCR pages, so it builds in seconds; and the dev-set queries by id."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pagelens import Library, Settings

# Text-layer documents only (no OCR): a manual with tables and a slide deck.
SMALL_CORPUS = ("gnuplot-expressions.pdf", "beamer-conference-talk.pdf")


def build_library(folder: Path, docs_dir: Path, names=SMALL_CORPUS, **settings) -> Library:
    return library_of(folder, [docs_dir / name for name in names], **settings)


def library_of(folder: Path, paths: list[Path], **settings) -> Library:
    """A real Library at `folder` with these files added (the ingest must succeed)."""
    library = Library(folder, settings=Settings.from_env(library=folder, **settings))
    report = library.add(paths, progress=False)
    assert report.ok, [f.reason for f in report.files]
    return library


@contextmanager
def titled_pages_library(folder: Path, name: str, pages: list[tuple[str, str]]) -> Iterator[Library]:
    """A real Library at `folder`/library holding one PDF, `name`, of these titled pages; closed after."""
    library = library_of(folder / "library", [titled_pages_pdf(folder / name, pages)])
    try:
        yield library
    finally:
        library.close()


def titled_pages_pdf(path: Path, pages: list[tuple[str, str]]) -> Path:
    """A PDF generated with PyMuPDF: one page per (title, body), the title set large above the body."""
    import pymupdf

    doc = pymupdf.open()
    for title, body in pages:
        page = doc.new_page(width=595, height=842)
        page.insert_text((72, 72), title, fontsize=18, fontname="helv")
        page.insert_textbox(pymupdf.Rect(72, 100, 520, 400), body, fontsize=11, fontname="helv")
    doc.save(path)
    return path


def dev_query(dev_dir: Path, qid: str) -> dict:
    for line in (dev_dir / "queries.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["qid"] == qid:
            return record
    raise KeyError(qid)
