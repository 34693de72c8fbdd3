"""Shared set-up for the answer-loop tests: a real Library (text lane, real ingestion) over dev documents
without OCR pages, so it builds in seconds; and the dev-set queries by id."""

from __future__ import annotations

import json
from pathlib import Path

from pagelens import Library, Settings

# Text-layer documents only (no OCR): a manual with tables and a slide deck.
SMALL_CORPUS = ("gnuplot-expressions.pdf", "beamer-conference-talk.pdf")


def build_library(folder: Path, docs_dir: Path, names=SMALL_CORPUS, **settings) -> Library:
    library = Library(folder, settings=Settings.from_env(library=folder, **settings))
    report = library.add([docs_dir / name for name in names], progress=False)
    assert report.ok, [f.reason for f in report.files]
    return library


def dev_query(dev_dir: Path, qid: str) -> dict:
    for line in (dev_dir / "queries.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["qid"] == qid:
            return record
    raise KeyError(qid)
