"""Caps on what a caller sends with a search or a question, checked before any work is done.

- Text (queries and questions): control characters (NUL, escapes, zero-width formatting) are dropped and
  whitespace collapsed, so a NUL- or control-only query counts as empty; then it is cut to
  `settings.max_query_chars`.
- Query images: the pixel count is read from the file header and checked against
  `settings.max_page_pixels` (the limit ingestion applies to page images) before anything is decoded,
  so a 12000 x 12000 PNG or a decompression bomb is a QueryError (a ValueError), not hundreds of MB in the caller.
- Chat history handed in by a client: the last `MAX_HISTORY_MESSAGES` turns, each cut to the query limit.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from .errors import QueryError

log = logging.getLogger(__name__)

MAX_HISTORY_MESSAGES = 12  # turns the answer loop reads; older ones never change a rewrite


def clean_text(text: str) -> str:
    """`text` without control or format characters, whitespace collapsed to single spaces."""
    kept = "".join(
        " " if ch.isspace() else ch for ch in text if ch.isspace() or unicodedata.category(ch)[0] != "C"
    )
    return " ".join(kept.split())


def capped_text(text: str, limit: int, what: str = "query") -> str:
    """Cleaned `text` cut to `limit` characters (logged when cut)."""
    text = clean_text(text)
    if len(text) > limit:
        log.warning("%s of %d characters cut to %d", what, len(text), limit)
        text = text[:limit]
    return text


def open_query_image(path: str | Path, max_pixels: int):
    """The image at `path` as RGB, or ValueError when it is unreadable or larger than `max_pixels`."""
    from PIL import Image, UnidentifiedImageError

    name = Path(path).name
    try:
        with Image.open(Path(path).expanduser()) as opened:  # reads the header only
            check_pixels(opened.size, max_pixels)
            return opened.convert("RGB")
    except Image.DecompressionBombError as err:
        raise QueryError(f"the query image {name} is too large to decode ({err})") from err
    except (OSError, UnidentifiedImageError, SyntaxError) as err:
        raise QueryError(f"cannot read the query image {name}: {err}") from err


def check_pixels(size: tuple[int, int], max_pixels: int) -> None:
    width, height = size
    if width * height > max_pixels:
        raise QueryError(
            f"the query image is {width} x {height} pixels, more than the {max_pixels:,} allowed "
            "(PAGELENS_MAX_PAGE_PIXELS); send a smaller image"
        )


def bounded_history(history: Sequence[object] | None, limit: int) -> list[object]:
    """The last turns of a chat history; a message dict's text content is cut to `limit` characters."""
    kept: list[object] = []
    for message in list(history or [])[-MAX_HISTORY_MESSAGES:]:
        if isinstance(message, dict) and isinstance(message.get("content"), str):
            message = {**message, "content": message["content"][:limit]}
        kept.append(message)
    return kept
