"""Helpers shared by the library tests: real PDFs cut from dev-set documents."""

from __future__ import annotations

from pathlib import Path

import pymupdf


def pdf_parts(source: Path, folder: Path, parts: dict[str, range]) -> list[Path]:
    """Real, distinct PDFs cut from `source`: file name -> 0-based page range."""
    paths = []
    for name, pages in parts.items():
        with pymupdf.open(source) as doc:
            doc.select(list(pages))
            doc.save(folder / name)
        paths.append(folder / name)
    return paths
