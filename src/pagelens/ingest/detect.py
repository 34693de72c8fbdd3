"""What a file is (by its first bytes, never its name) and its content hash."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Literal

from . import office, text

Kind = Literal["pdf", "html", "image", "office", "text", "markdown"]

# Suffixes a folder walk picks up; single files are judged by content whatever their name (text files,
# which have no magic bytes, by their suffix and their content: see text.py).
SUPPORTED_SUFFIXES = (
    frozenset(
        {".pdf", ".html", ".htm", ".xhtml", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".gif", ".bmp"}
    )
    | office.SUFFIXES
    | text.SUFFIXES
)

_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"GIF87a", b"GIF89a", b"BM")
_HTML_SNIFF = re.compile(rb"<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]", re.IGNORECASE)
_SNIFF_BYTES = 4096


def detect_kind(path: Path) -> Kind | None:
    """The kind judged by content (see Kind); None for anything else (including empty files)."""
    with open(path, "rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    if b"%PDF-" in head[:1024]:  # the spec allows junk before the header; readers look in the first KB
        return "pdf"
    if head.startswith(_IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return "image"
    if b"\x00" not in head and _HTML_SNIFF.search(head.lstrip(b"\xef\xbb\xbf \t\r\n")):
        return "html"
    if office.office_format(path, head):
        return "office"
    return text.text_format(path, head)


def content_hash(path: Path) -> str:
    """Full sha256 hex digest of the file's bytes (64 chars); the library derives doc ids from it."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
