"""One process per library folder: an exclusive `flock` on `<library>/.lock`, held while a Library is open.

Embedded Chroma and the lanes' side stores are not safe for two writing processes, so a second process
gets `LibraryLockedError` naming the holder instead of a corrupted index. The OS drops the lock when the
holder dies (kill -9 included), so a crash never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from ..errors import LibraryLockedError


class LibraryLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = open(path, "a+")  # noqa: SIM115 - held open for the lock's lifetime
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._file.seek(0)
            holder = self._file.read().strip() or "unknown"
            self._file.close()
            raise LibraryLockedError(
                f"library {path.parent} is in use by another process (pid {holder}); close that one first "
                "(one process at a time may open a library)") from None
        self._file.seek(0)
        self._file.truncate()
        self._file.write(str(os.getpid()))
        self._file.flush()

    def release(self) -> None:
        if not self._file.closed:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
