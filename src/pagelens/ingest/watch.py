"""The parent's handle on a render in progress: page counts and rendered pages come out, a cancel goes in.

Callbacks run on the thread that waits for the sandboxed worker (one per file or page range), so they
must be thread-safe; `ingest_files` (batch.py) turns them into events on the caller's thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field


def _ignore(*_args: object) -> None:
    return None


@dataclass(frozen=True)
class Watch:
    on_counted: Callable[[int], None] = _ignore  # a job (a file, or a page range of one) has this many pages
    on_page: Callable[[], None] = _ignore  # one more page of the job is rendered
    cancel: threading.Event = field(default_factory=threading.Event)  # set: stop the worker, fail the file

    def quiet(self) -> "Watch":
        """The same cancel without the callbacks (for counting a file's pages before splitting it)."""
        return Watch(cancel=self.cancel)
