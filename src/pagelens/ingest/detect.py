"""What a file is (by its content, never its name alone: the entries of formats.py) and its content hash."""

from __future__ import annotations

import hashlib
from pathlib import Path

from .formats import SUPPORTED_SUFFIXES, detect

__all__ = ["SUPPORTED_SUFFIXES", "content_hash", "detect_kind"]


def detect_kind(path: Path) -> str | None:
    """The kind of file type (formats.FILE_TYPES) judged by content; None for anything else (including empty
    files)."""
    found = detect(path)
    return found.kind if found else None


def content_hash(path: Path) -> str:
    """Full sha256 hex digest of the file's bytes (64 chars); the library derives doc ids from it."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
