"""The library's write lock: an exclusive `flock` on `<library>/.lock`, held by the one process that writes.

Writers are one at a time: embedded Chroma, the catalog's ledger and the lanes' side stores take a single
writing process. A `Library` that finds the lock free holds it while open (it cleans interrupted adds,
fills lanes, adds and removes); one that finds it held opens read-only: it searches and answers from the
last committed state, and its `add`/`remove` raise `LibraryLockedError` naming the writer's pid.
The OS drops the lock when the holder dies (kill -9 included), so a crash never leaves a stale lock.
A library whose folder cannot be written (a read-only mount, no write permission) has no lock to take:
it opens read-only too (`unwritable`), and its `add`/`remove` raise `ReadOnlyLibraryError` saying so.
"""

from __future__ import annotations

import errno
import fcntl
import os
from pathlib import Path

UNWRITABLE = (errno.EROFS, errno.EACCES, errno.EPERM)  # a read-only mount, or no write permission


class LibraryLock:
    def __init__(self, path: Path, file) -> None:
        self.path = path
        self._file = file

    @classmethod
    def try_acquire(cls, path: Path) -> "LibraryLock | None":
        """The write lock, or None while another process holds it."""
        file = open(path, "a+")  # noqa: SIM115 - held open for the lock's lifetime
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            file.close()
            return None
        file.seek(0)
        file.truncate()
        file.write(str(os.getpid()))
        file.flush()
        return cls(path, file)

    def release(self) -> None:
        if not self._file.closed:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()


def unwritable(err: OSError) -> bool:
    """True when `err` says the library folder cannot be written at all (not that it is busy)."""
    return err.errno in UNWRITABLE


def unwritable_message(library: Path) -> str:
    return (
        f"library {library} cannot be written (a read-only file system, or no write permission): "
        "searching and asking work; to add or remove, open it where it can be written"
    )


def holder(path: Path) -> str:
    """The pid the writing process wrote into the lock file ('unknown' if unreadable)."""
    try:
        return path.read_text().strip() or "unknown"
    except OSError:
        return "unknown"


def busy_message(library: Path, pid: str) -> str:
    return (
        f"library {library} is being written by another process (pid {pid}); one writer at a time: "
        "add or remove through that process, or wait until it closes the library and open it again "
        "(searching and asking work meanwhile)"
    )
