"""Render files in a killable child process with a wall-clock timeout and a memory cap.

Time limits, measured from when the job is handed over (starting the worker and loading models does not
count against a file), so that no file holds a worker longer than `file_max_s` (minutes, not hours):
- the file: `file_timeout_s + page_timeout_s * pages` once the child has counted the pages
  (`file_timeout_s` alone until then), and never more than `file_max_s`;
- each page: `page_timeout_s` from the previous page (or the count) to the next page rendered;
- a floor: once `page_timeout_s` has passed since the count, a file rendering below `min_pages_per_s`
  is stopped as pathological (a crafted file slow on every page, each page just inside its limit).
Preparing a rendered file's pages for the library (`PrepareJob`: analysis, vectors) runs in a worker too,
with the whole-file limit for that many pages. The memory cap is the child's RLIMIT_AS.

Workers are reused between files (OCR and layout models stay loaded); a worker that timed out,
crashed or ran out of memory is discarded and the next file gets a fresh one. Several threads may
render at once: each takes its own worker from the idle pool (at most `settings.workers` are kept).
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TypeVar

from ..config import Settings
from ..errors import IngestError
from ..types import Page
from .job import PrepareJob, RenderJob
from .watch import Watch
from .worker import memory_message

STARTUP_TIMEOUT_S = 120.0  # importing the renderer on a loaded machine; not charged to any file
CANCEL_POLL_S = 0.25  # how often a waiting thread looks at its Watch's cancel flag
_T = TypeVar("_T")


class Worker:
    """One child process running `pagelens.ingest.worker`."""

    def __init__(self, cap_mb: int) -> None:
        self.cap_mb = cap_mb
        job_read, job_write = os.pipe()
        reply_read, reply_write = os.pipe()
        self._stderr = tempfile.TemporaryFile()
        src = str(Path(__file__).resolve().parents[2])
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [src, os.environ.get("PYTHONPATH")])),
            "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"),
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pagelens.ingest.worker", str(cap_mb), str(job_read), str(reply_write)],
            pass_fds=(job_read, reply_write),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
            env=env,
            start_new_session=True,
        )
        os.close(job_read)
        os.close(reply_write)
        self._jobs = Connection(job_write, readable=False)
        self._replies = Connection(reply_read, writable=False)
        self._ready = False
        self.healthy = True  # false once it timed out, died or reported a fatal error: not reused
        self.last_count = 0  # pages the last job covers, as the child counted them

    def _start(self, settings: Settings, watch: Watch) -> None:
        if not self._ready:
            self._receive(time.monotonic() + STARTUP_TIMEOUT_S, "starting the renderer", settings, watch)
            self._ready = True

    def prepare(self, job: PrepareJob, watch: Watch) -> object:
        """Run `job.prepare(job.pages)` here, within the time a file of that many pages may take to render."""
        self._start(job.settings, watch)
        settings = job.settings
        allowed = min(settings.file_timeout_s + settings.page_timeout_s * len(job.pages), settings.file_max_s)
        try:
            self._jobs.send(job)
        except OSError as err:
            raise self._died(settings) from err
        expired = (
            f"indexing the file's {len(job.pages)} pages took longer than the {allowed:g} s allowed for it "
            "and was stopped; raise PAGELENS_FILE_TIMEOUT_S / PAGELENS_FILE_MAX_S if you trust it, or split it"
        )
        kind, value = self._receive(time.monotonic() + allowed, "indexing", settings, watch, expired)
        if kind == "done":
            return value
        self.healthy = self.healthy and kind == "error"
        raise IngestError(value)

    def render(self, job: RenderJob, watch: Watch) -> list[Page]:
        self._start(job.settings, watch)
        settings = job.settings
        started = counted = time.monotonic()
        limit = started + min(settings.file_timeout_s, settings.file_max_s)
        deadline, done = limit, 0
        try:
            self._jobs.send(job)
        except OSError as err:
            raise self._died(settings) from err
        while True:
            expired = (
                _page_limit_message(done + 1, settings)
                if deadline < limit
                else _file_limit_message(limit - started, settings)
            )
            kind, value = self._receive(deadline, "rendering", settings, watch, expired)
            now = time.monotonic()
            if kind == "page":
                watch.on_page()
                done += 1
                rate = done / max(now - counted, 1e-9)
                if now - counted >= settings.page_timeout_s and rate < settings.min_pages_per_s:
                    self.kill()
                    raise IngestError(
                        f"the file renders at {rate:.3g} pages/s, below the floor of "
                        f"{settings.min_pages_per_s:g} (PAGELENS_MIN_PAGES_PER_S); it looks "
                        "pathological and was stopped; lower the floor if you trust it"
                    )
            elif kind == "pages":
                self.last_count, counted = value, now
                limit = started + min(
                    settings.file_timeout_s + settings.page_timeout_s * value, settings.file_max_s
                )
                watch.on_counted(value)
            elif kind == "done":
                return value
            else:
                self.healthy = self.healthy and kind == "error"
                raise IngestError(value)
            deadline = min(limit, now + settings.page_timeout_s) if self.last_count else limit

    def _receive(self, deadline: float, doing: str, settings: Settings, watch: Watch, expired: str = ""):
        self.healthy = False  # until a reply arrives in time
        try:
            while not self._replies.poll(max(0.0, min(deadline - time.monotonic(), CANCEL_POLL_S))):
                if watch.cancel.is_set():
                    self.kill()
                    raise IngestError("stopped before this file was finished (the add was interrupted)")
                if time.monotonic() < deadline:
                    continue
                self.kill()
                if doing == "starting the renderer":
                    raise IngestError(
                        f"the renderer did not start within {STARTUP_TIMEOUT_S:.0f} s; "
                        "the machine may be overloaded; try again"
                    )
                raise IngestError(expired)
            reply = self._replies.recv()
            self.healthy = True
            return reply
        except (EOFError, OSError) as err:
            raise self._died(settings) from err

    def _died(self, settings: Settings) -> IngestError:
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()
            code = self.process.returncode
        detail = self._stderr_tail()
        if code is not None and code < 0:
            how = f"was killed by signal {signal.Signals(-code).name}"
        else:
            how = f"exited with code {code}"
        if "MemoryError" in detail or "memory" in detail.lower():
            return IngestError(memory_message(self.cap_mb))
        return IngestError(
            f"the renderer process {how} while handling this file, so the file was "
            "skipped; it is probably damaged or hostile (if it is just very large, "
            "raise PAGELENS_MEMORY_CAP_MB, "
            f"now {settings.memory_cap_mb})" + (f"; last error: {detail}" if detail else "")
        )

    def _stderr_tail(self) -> str:
        self._stderr.seek(0)
        lines = [line for line in self._stderr.read().decode(errors="replace").splitlines() if line.strip()]
        return lines[-1][:300] if lines else ""

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)  # its own session: takes any grandchildren too
            except ProcessLookupError:
                pass
            self.process.wait()
        self.close()

    def close(self) -> None:
        for conn in (self._jobs, self._replies):
            if not conn.closed:
                conn.close()
        if self.process.poll() is None:
            try:
                self.process.wait(timeout=5)  # EOF on its job pipe ends it
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._stderr.close()


def _page_limit_message(page: int, settings: Settings) -> str:
    return (
        f"page {page} took longer than page_timeout_s={settings.page_timeout_s:g} s and rendering was "
        "stopped; the file may be hostile or very heavy; raise PAGELENS_PAGE_TIMEOUT_S if you trust it"
    )


def _file_limit_message(allowed_s: float, settings: Settings) -> str:
    return (
        f"rendering took longer than the {allowed_s:g} s allowed for this file (file_timeout_s="
        f"{settings.file_timeout_s:g} s plus page_timeout_s={settings.page_timeout_s:g} s per page, at "
        f"most file_max_s={settings.file_max_s:g} s) and was stopped; the file may be hostile or very "
        "heavy; raise PAGELENS_FILE_TIMEOUT_S / PAGELENS_FILE_MAX_S if you trust it, or split it"
    )


class WorkerPool:
    """Idle workers by memory cap; a thread takes one, renders, and gives it back if it is healthy.

    At most `settings.workers` jobs run at once, however many threads ask (files in parallel, each
    perhaps split into page ranges): the others wait for a worker to come back.
    """

    def __init__(self) -> None:
        self._idle: list[Worker] = []
        self._mutex = threading.Lock()
        self._freed = threading.Condition(self._mutex)
        self._busy = 0

    def render(self, job: RenderJob, watch: Watch) -> list[Page]:
        return self._run(job.settings, lambda worker: worker.render(job, watch))

    def count_pages(self, job: RenderJob, watch: Watch) -> int:
        """Open the file in a worker, check its limits and count its pages, rendering nothing."""
        counting = dataclasses.replace(job, count_only=True)
        return self._run(
            job.settings, lambda worker: (worker.render(counting, watch.quiet()), worker.last_count)
        )[1]

    def prepare(self, job: PrepareJob, watch: Watch) -> object:
        """Run a rendered file's `PrepareJob` in a worker (counted among `settings.workers` like a render)."""
        return self._run(job.settings, lambda worker: worker.prepare(job, watch))

    def _run(self, settings: Settings, work: Callable[[Worker], _T]) -> _T:
        limit = max(1, settings.workers)
        with self._freed:
            while self._busy >= limit:
                self._freed.wait()
            self._busy += 1
        try:
            worker = self._take(settings.memory_cap_mb)
            try:
                return work(worker)
            finally:
                if worker.healthy and worker.alive:
                    self._give_back(worker, limit)
                else:
                    worker.kill()
        finally:
            with self._freed:
                self._busy -= 1
                self._freed.notify()

    def warm_up(self, cap_mb: int, count: int) -> None:
        """Start workers now (they import in the background) so the first files do not wait for them."""
        with self._mutex:
            ready = sum(worker.cap_mb == cap_mb and worker.alive for worker in self._idle)
            self._idle.extend(Worker(cap_mb) for _ in range(count - ready))

    def _take(self, cap_mb: int) -> Worker:
        with self._mutex:
            for worker in self._idle:
                if worker.cap_mb == cap_mb and worker.alive:
                    self._idle.remove(worker)
                    return worker
        return Worker(cap_mb)

    def _give_back(self, worker: Worker, keep: int) -> None:
        with self._mutex:
            self._idle.append(worker)
            surplus = self._idle[: -max(1, keep)]
            del self._idle[: -max(1, keep)]
        for old in surplus:
            old.close()

    def shutdown(self) -> None:
        with self._mutex:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.close()


POOL = WorkerPool()
