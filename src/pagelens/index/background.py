"""Encoding the background lanes' queued pages on one thread of the process that writes the library.

An add returns once the foreground lanes (the text lane) hold a file's pages and it is complete: it is
searchable then. Its pages for the background lanes (`Lane.background`: the visual lanes) wait in the
`LaneQueue`; this thread takes them a batch (`batch_size` pages of one document) at a time, oldest
document first, skipping documents still pending, writes the batch into the lane and then deletes its
rows. Searches meanwhile fuse what each lane holds: a page the visual lane has not reached is still
found by the text lane.

- Resumable: the queue is on disk; a kill -9 loses at most the batch being encoded, which is encoded
  again when the library is next written (lanes upsert by page key).
- Removing or replacing a document cancels its rows (`LaneSet.delete`); a batch already being encoded
  is deleted from its lane again by this thread before it takes the next one (the queue's `forget` rows).
- The thread holds no lock that add, remove or search take, and runs at a lower priority (`NICE`);
  `close` waits for the batch in hand (seconds with CLIP, minutes a page with a 2B-parameter model on a
  CPU) so no write outlives the write lock.
- A lane whose encoder fails stops here (its rows stay queued) with the reason in `progress`; the next
  process that writes the library tries again.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..types import page_key
from .catalog import Catalog
from .lane_queue import LaneQueue
from .laneset import LaneSet

log = logging.getLogger(__name__)

IDLE_POLL_S = 0.5  # a queued document whose add is still running is looked at again this often
# The thread runs at this nice value (Linux: per thread; the OpenMP threads torch starts from it inherit
# it), so on a busy CPU a search or an add gets the cores before the encoder does.
NICE = 10


@dataclass(frozen=True)
class LaneProgress:
    """How far a background lane is over the complete documents."""

    lane: str
    done: int  # pages the lane holds
    total: int  # pages of complete documents
    seconds_per_page: float | None = None  # wall seconds a page: measured here, else estimated (below)
    estimated: bool = False  # seconds_per_page comes from the measured CPU table, not from this run
    error: str = ""  # why encoding stopped (tried again when the library is next opened for writing)

    @property
    def queued(self) -> int:
        return self.total - self.done

    def line(self) -> str:
        """ "visual lane clip: 120/500 pages", with why it stopped or how long is left when known."""
        text = f"visual lane {self.lane}: {self.done}/{self.total} pages"
        if self.error:
            return f"{text}, stopped: {self.error}"
        if self.queued and self.seconds_per_page is not None:
            how = (
                f" at ~{self.seconds_per_page:.2g} s a page (estimated for this CPU from the measured table)"
                if self.estimated
                else ""
            )
            return f"{text}, about {duration(self.queued * self.seconds_per_page)} left{how}"
        return text


def duration(seconds: float) -> str:
    """A rough human duration: "40 s", "12 min", "3.5 h"."""
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


class BackgroundLanes:
    def __init__(
        self,
        queue: LaneQueue,
        lanes: LaneSet,
        catalog: Catalog,
        *,
        batch: int,
        estimate: Callable[[str], float | None] = lambda lane: None,
    ) -> None:
        """`estimate(lane)`: wall seconds a page before this process has measured any (None: unknown)."""
        self._queue, self._lanes, self._catalog, self._batch = queue, lanes, catalog, batch
        self._estimate = estimate
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._errors: dict[str, str] = {}
        self._timing: dict[str, tuple[int, float]] = {}  # lane -> (pages encoded, wall seconds)

    def start(self) -> None:
        """Start the thread (once), when the library has background lanes."""
        if self._thread is None and self._lanes.background:
            self._thread = threading.Thread(target=self._run, name="pagelens-background-lanes", daemon=True)
            self._thread.start()

    def close(self) -> None:
        """Stop after the batch in hand."""
        with self._queue.changed:
            self._stopping = True
            self._queue.changed.notify_all()
        if self._thread is not None:
            self._thread.join()

    def wait(self, timeout: float | None = None) -> bool:
        """Until every queued page of a working lane is encoded: True; False on timeout, or when the
        thread is not running (then nothing is encoded here)."""
        self.start()
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._queue.changed:
            while self._work_left():
                if self._thread is None or not self._thread.is_alive():
                    return False
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._queue.changed.wait(IDLE_POLL_S if left is None else min(left, IDLE_POLL_S))
        return True

    def progress(self) -> list[LaneProgress]:
        complete = {row.doc_id: row.pages for row in self._catalog.complete_documents()}
        total = sum(complete.values())
        queued = self._queue.counts()
        found = []
        for lane in self._lanes.background:
            waiting = sum(n for doc_id, n in queued.get(lane, {}).items() if doc_id in complete)
            pages, seconds = self._timing.get(lane, (0, 0.0))
            estimate = None if pages or not waiting else self._estimate(lane)
            found.append(
                LaneProgress(
                    lane,
                    done=total - waiting,
                    total=total,
                    seconds_per_page=seconds / pages if pages else estimate,
                    estimated=estimate is not None,
                    error=self._errors.get(lane, ""),
                )
            )
        return found

    # the thread ------------------------------------------------------------------------------------
    def _working(self) -> list[str]:
        return [lane for lane in self._lanes.background if lane not in self._errors]

    def _work_left(self) -> bool:
        working = set(self._working())
        return any(lane in working for lane, _ in self._queue.to_forget() + self._queue.documents())

    def _run(self) -> None:
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICE)
        except OSError:  # not permitted here: the encoder runs at the process's priority
            log.info("the background lanes run at normal priority")
        while True:
            with self._queue.changed:
                if self._stopping:
                    return
            try:
                self._forget()
                found = self._next()
                if found is not None:
                    self._encode(*found)
                    continue
            except Exception as err:  # noqa: BLE001 - the queue stays on disk; the library must not die here
                log.exception("the background lanes stopped")
                for lane in self._lanes.background:
                    self._errors.setdefault(lane, f"{type(err).__name__}: {err}")
                return
            with self._queue.changed:
                if not self._stopping:
                    self._queue.changed.notify_all()  # a waiter re-checks
                    self._queue.changed.wait(IDLE_POLL_S)

    def _forget(self) -> None:
        working = set(self._working())
        for lane, doc_id in self._queue.to_forget():
            if lane in working:
                self._lanes[lane].delete([doc_id])
                self._queue.forgotten(lane, doc_id)

    def _next(self) -> tuple[str, str, list[int], dict] | None:
        """The oldest queued batch of a complete document in a working lane, with its pages."""
        working = set(self._working())
        for lane, doc_id in self._queue.documents():
            if lane not in working:
                continue
            numbers = self._queue.pages(lane, doc_id, self._batch)
            pages = self._catalog.complete_pages([page_key(doc_id, n) for n in numbers])
            if pages:  # else the document is still pending (its add is running)
                return lane, doc_id, numbers, pages
        return None

    def _encode(self, lane: str, doc_id: str, numbers: list[int], pages: dict) -> None:
        started = time.monotonic()
        try:
            self._lanes[lane].index([pages[key] for key in sorted(pages)])  # keys sort by page
        except Exception as err:  # noqa: BLE001 - one lane's failure must not stop the others
            if not self._catalog.complete_pages([page_key(doc_id, numbers[0])]):
                return  # removed while it was encoded (its page images went): nothing to keep
            log.error("visual lane %s stopped on %s", lane, doc_id, exc_info=err)
            self._errors[lane] = f"{type(err).__name__}: {err}"
            return
        count, seconds = self._timing.get(lane, (0, 0.0))
        self._timing[lane] = (count + len(numbers), seconds + time.monotonic() - started)
        self._queue.done(lane, doc_id, numbers)
