"""Helpers shared by the library and CLI tests: real PDFs cut from dev-set documents, free ports."""

from __future__ import annotations

import socket
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
