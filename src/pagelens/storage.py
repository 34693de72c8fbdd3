"""Storage failures and the messages users see about them.

A full disk (ENOSPC, a quota, SQLite's "database or disk is full") is the server's problem, never the
file's: `is_disk_full` recognises it however it arrives (an OSError, a SQLite error, or the message an
ingestion worker sent back), and `DISK_FULL` is the one sentence an outcome gives for it.
`without_paths` cuts absolute paths in a message down to their last component, so messages shown to a
user (add outcomes, chat errors) never reveal the server's folders.
`reader_connection` opens a SQLite file for reading, also on a read-only file system.
"""

from __future__ import annotations

import errno
import os
import re
import sqlite3
from pathlib import Path

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


def reader_connection(path: Path) -> sqlite3.Connection:
    """A connection that reads `path` (a WAL database another process may be writing). In a folder that
    cannot be written (a read-only mount) SQLite cannot create the WAL index a reader needs, so the file
    opens as immutable: no writer can exist there."""
    if os.access(Path(path).parent, os.W_OK):
        return sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
    uri = f"{Path(path).resolve().as_uri()}?immutable=1"
    return sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)


def without_paths(message: str) -> str:
    """`message` with every absolute path replaced by its last component."""
    return _ABSOLUTE_PATH.sub(r"\1", message)
