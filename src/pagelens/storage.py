"""Storage failures and the messages users see about them.

A full disk (ENOSPC, a quota, SQLite's "database or disk is full") is the server's problem, never the
file's: `is_disk_full` recognises it however it arrives (an OSError, a SQLite error, or the message an
ingestion worker sent back), and `DISK_FULL` is the one sentence an outcome gives for it.
`without_paths` cuts absolute paths in a message down to their last component, so messages shown to a
user (add outcomes, chat errors) never reveal the server's folders.
"""

from __future__ import annotations

import errno
import re

DISK_FULL = (
    "disk full: the server has no space left; free some space and add this file again (the file is fine)"
)
_DISK_FULL_TEXT = ("no space left on device", "database or disk is full", "disk quota exceeded", "disk full:")
_ABSOLUTE_PATH = re.compile(r"(?<![\w.:/])/(?:[^\s'\"()\[\]/]+/)+([^\s'\"()\[\]/]+)")


def is_disk_full(err: BaseException | str) -> bool:
    """True when `err` (or any exception it was raised from) says the disk or a quota is full."""
    seen: set[int] = set()
    current: BaseException | str | None = err
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if any(text in str(current).lower() for text in _DISK_FULL_TEXT):  # SQLite, or a worker's message
            return True
        current = None if isinstance(current, str) else (current.__cause__ or current.__context__)
    return False


def without_paths(message: str) -> str:
    """`message` with every absolute path replaced by its last component."""
    return _ABSOLUTE_PATH.sub(r"\1", message)
