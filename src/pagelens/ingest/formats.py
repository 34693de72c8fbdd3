"""The file types pagelens reads: one entry each names the kind (what `DocumentInfo.kind` says), how a file is
recognised by its content, the suffixes a folder walk picks up, the renderer the sandboxed worker runs, and
the settings that shape it (the lanes' registry, `lanes/registry.py`, for files).

Detection tries the entries in order and takes the first whose `sniff(path, head)` says yes (`head`: the
file's first SNIFF_BYTES), so a file is judged by what it is, never by its name alone. Renderers are
"module:function" strings imported inside the worker, so the parent, which only sniffs, never imports
PyMuPDF or Pillow. A renderer is called as `render(job, on_count, on_page) -> list[Page]`: `on_count(pages)`
once the page count is known and within limits, `on_page()` after each page, nothing rendered when
`job.count_only`; it raises `IngestError` with a sentence a user can act on.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import office, text

Sniffer = Callable[[Path, bytes], bool]
SNIFF_BYTES = 4096

_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"GIF87a", b"GIF89a", b"BM")
_HTML_SNIFF = re.compile(rb"<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]", re.IGNORECASE)


@dataclass(frozen=True)
class FileType:
    kind: str
    label: str  # how an error message names it ("not a PDF, ... file")
    sniff: Sniffer | None  # None: never detected, only made by ingest itself (printed-html)
    render: str  # "module:function", run in the sandboxed worker
    suffixes: frozenset[str] = frozenset()  # what a folder walk picks up
    splits: bool = True  # page ranges may render in several workers at once (an image has one page)
    settings: tuple[str, ...] = ()  # the Settings fields its renderer reads beyond the common limits


def _pdf(path: Path, head: bytes) -> bool:
    return b"%PDF-" in head[:1024]  # the spec allows junk before the header; readers look in the first KB


def _image(path: Path, head: bytes) -> bool:
    return head.startswith(_IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")


def _html(path: Path, head: bytes) -> bool:
    return b"\x00" not in head and bool(_HTML_SNIFF.search(head.lstrip(b"\xef\xbb\xbf \t\r\n")))


def _office(path: Path, head: bytes) -> bool:
    return office.office_format(path, head) is not None


def _text_format(fmt: str) -> Sniffer:
    return lambda path, head: text.text_format(path, head) == fmt


FILE_TYPES: tuple[FileType, ...] = (
    FileType("pdf", "PDF", _pdf, "pagelens.ingest.pdf:render_pdf", frozenset({".pdf"})),
    FileType(
        "image",
        "image",
        _image,
        "pagelens.ingest.image:render_image_file",
        frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".gif", ".bmp"}),
        splits=False,
    ),
    FileType(
        "html",
        "HTML",
        _html,
        "pagelens.ingest.html:render_html",
        frozenset({".html", ".htm", ".xhtml"}),
        settings=("html_renderer",),  # chromium: printed to PDF first, in the parent (pipeline.py)
    ),
    FileType(
        "office",
        "Office (Word, PowerPoint, Excel, OpenDocument, RTF)",
        _office,
        "pagelens.ingest.office:render_office",
        office.SUFFIXES,
        splits=False,  # each part would convert the whole file again
        settings=("soffice",),
    ),
    FileType(
        "text", "plain-text", _text_format("text"), "pagelens.ingest.text:render_text", text.PLAIN_SUFFIXES
    ),
    FileType(
        "markdown",
        "Markdown",
        _text_format("markdown"),
        "pagelens.ingest.text:render_text",
        text.MARKDOWN_SUFFIXES,
    ),
    # a PDF that Chromium printed from an HTML file: its pages' text counts as "html"
    FileType("printed-html", "printed HTML", None, "pagelens.ingest.pdf:render_printed_html"),
)
_BY_KIND = {file_type.kind: file_type for file_type in FILE_TYPES}

# Suffixes a folder walk picks up; single files are judged by content whatever their name (text files,
# which have no magic bytes, by their suffix and their content: see text.py).
SUPPORTED_SUFFIXES = frozenset(suffix for file_type in FILE_TYPES for suffix in file_type.suffixes)


def file_type(kind: str) -> FileType:
    """The entry of `kind` (a kind detection or ingest made)."""
    return _BY_KIND[kind]


def detect(path: Path) -> FileType | None:
    """The file type judged by content; None for anything else (including empty files)."""
    with open(path, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
    return next((t for t in FILE_TYPES if t.sniff is not None and t.sniff(path, head)), None)


def unsupported_message() -> str:
    """What IngestError says about a file no entry recognises."""
    labels = [t.label for t in FILE_TYPES if t.sniff is not None]
    return (
        f"not a {', '.join(labels[:-1])} or {labels[-1]} file (judged by its content, not its name); "
        "convert it to PDF and add it again"
    )
