"""Plain-text and Markdown files as HTML pages, laid out by html.py like any HTML file (in the sandboxed worker).

Text has no magic bytes, so a file counts as text only when its name says so (`.txt`, `.md`, ...) and
its content agrees (UTF-8, no NUL or other binary control bytes): a broken "report.pdf" full of
text is still reported as not a PDF. Markdown is turned into HTML by markdown-it (CommonMark, raw
HTML disabled) and laid out by MuPDF's HTML engine, which fetches nothing; plain text is escaped into
a pre-wrapped block, so line breaks and indentation survive.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

from ..errors import IngestError
from ..types import Page
from .job import RenderJob

MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
PLAIN_SUFFIXES = frozenset({".txt", ".text"})
SUFFIXES = MARKDOWN_SUFFIXES | PLAIN_SUFFIXES
_BINARY_CONTROLS = frozenset(range(32)) - {9, 10, 12, 13}  # tab, newline, form feed, carriage return
_STYLE = (
    "body { font-family: sans-serif; font-size: 11pt; } "
    "pre { white-space: pre-wrap; font-family: monospace; font-size: 10pt; }"
)


def text_format(path: Path, head: bytes) -> str | None:
    """ "markdown" or "text" when the name says so and the first bytes are UTF-8 text; else None."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES or any(byte in _BINARY_CONTROLS for byte in head):
        return None
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as err:
        if err.start < len(head) - 3:  # a character cut by the sniffing window is fine
            return None
    return "markdown" if suffix in MARKDOWN_SUFFIXES else "text"


def text_to_html(path: Path, fmt: str) -> bytes:
    """The file as an HTML page (for html.open_html to lay out): Markdown rendered, plain text escaped."""
    try:
        source = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        raise IngestError(
            f"the file is not valid UTF-8 text (byte {err.start}); save it as UTF-8 and add it again"
        ) from err
    source = source.removeprefix("\ufeff")
    if fmt == "markdown":
        from markdown_it import MarkdownIt

        body = MarkdownIt("commonmark", {"html": False}).render(source)
    else:
        body = f"<pre>{html.escape(source)}</pre>"
    return f"<html><head><style>{_STYLE}</style></head><body>{body}</body></html>".encode()


def render_text(job: RenderJob, on_count: Callable[[int], None], on_page: Callable[[], None]) -> list[Page]:
    """A plain-text or Markdown file (job.kind) as HTML laid out on pages."""
    from .html import open_html  # PyMuPDF: the parent imports this module only to recognise files
    from .pdf import render_document

    return render_document(open_html(job, text_to_html(job.path, job.kind)), job, "html", on_count, on_page)
