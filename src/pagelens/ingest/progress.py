"""Progress of a batch of files, in pages: rate, ETA, and a tqdm bar on stderr for the CLI.

Page counts arrive as each file (or page range) is opened, so the total grows during the run; files
not opened yet are estimated at the mean page count of those opened so far (1 before any), which is
what the ETA uses. Everything here runs on the thread that called `Library.add`.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from ..types import AddProgress, FileOutcome

ProgressCallback = Callable[[AddProgress], None]


class ProgressMeter:
    def __init__(self, files_total: int, on_progress: ProgressCallback | None, bar: bool) -> None:
        from tqdm import tqdm

        self.files_total = files_total
        self.files_done = 0
        self.pages_done = 0
        self._pages_of: dict[str, int] = {}  # file name -> its pages counted so far
        self._done_of: dict[str, int] = {}  # file name -> its pages rendered so far
        self._finished: set[str] = set()
        self._on_progress = on_progress
        self._started = time.monotonic()
        self._bar = tqdm(
            total=files_total, unit="page", disable=not bar, file=sys.stderr, leave=False, dynamic_ncols=True
        )
        self._report("")

    def counted(self, name: str, pages: int) -> None:
        self._pages_of[name] = self._pages_of.get(name, 0) + pages
        self._report(name)

    def page_done(self, name: str) -> None:
        self.pages_done += 1
        self._done_of[name] = self._done_of.get(name, 0) + 1
        self._report(name)

    def file_done(self, outcome: FileOutcome) -> None:
        name = outcome.name
        self.files_done += 1
        self._finished.add(name)
        if name in self._pages_of:  # a file that failed part-way has no more pages to wait for
            self._pages_of[name] = self._done_of.get(name, 0)
        self._report(name, outcome)

    def snapshot(self, name: str, finished: FileOutcome | None = None) -> AddProgress:
        counted = sum(self._pages_of.values())
        unopened = self.files_total - len(self._finished | set(self._pages_of))
        per_file = counted / len(self._pages_of) if self._pages_of else 1.0
        expected = counted + round(unopened * per_file)
        elapsed = time.monotonic() - self._started
        rate = self.pages_done / elapsed if self.pages_done and elapsed > 0 else 0.0
        eta = round(max(0.0, (expected - self.pages_done) / rate), 1) if rate else None
        return AddProgress(
            files_done=self.files_done,
            files_total=self.files_total,
            pages_done=self.pages_done,
            pages_total=max(expected, self.pages_done),
            pages_per_s=round(rate, 2),
            eta_s=eta,
            name=name,
            file_pages_done=self._done_of.get(name, 0),
            file_pages_total=self._pages_of.get(name, 0),
            finished=finished,
        )

    def _report(self, name: str, finished: FileOutcome | None = None) -> None:
        progress = self.snapshot(name, finished)
        if not self._bar.disable:
            self._bar.total = progress.pages_total
            self._bar.update(progress.pages_done - self._bar.n)  # update() keeps tqdm's rate and ETA
            self._bar.set_postfix_str(
                f"file {progress.files_done}/{progress.files_total} {name[-30:]}", refresh=False
            )
            self._bar.refresh()
        if self._on_progress:
            self._on_progress(progress)

    def close(self) -> None:
        self._bar.close()

    def __enter__(self) -> "ProgressMeter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
