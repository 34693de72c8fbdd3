"""The app's session: the open library, the settings it runs with, and the one lock they share.

Every handler reads the library inside `session.reading()`; an admin's lane change swaps the library inside
`session.swapping()`. The lock is shared for readers and exclusive for the swap, so a request in flight
(a streaming answer included) finishes on the library it started with, and the swap waits for it: the
library is never closed under a request. A swap whose new lanes cannot open reopens the previous lanes;
if even that fails the session keeps a `Library` object that says why on every call, never a closed one.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Settings
from ..lanes.registry import family_of
from ..layout import LibraryLayout
from ..library import Library
from .prefs import UiPrefs, save_prefs

SWAP_WAIT_S = 120.0  # a lane swap waits this long for running questions and uploads to finish


class LockBusy(TimeoutError):
    """The writer gave up waiting for the readers."""


class SharedLock:
    """Many readers or one writer. Readers are counted, not owned by a thread: a streaming handler is a
    generator that Gradio may step on different worker threads, and a handler may call another. Readers
    wait only while a writer holds the lock; the writer waits for every reader, at most `timeout_s`."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._cond:
            while self._writing:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def exclusive(self, timeout_s: float) -> Iterator[None]:
        """Raises LockBusy when readers still hold the lock after `timeout_s`."""
        with self._cond:
            if not self._cond.wait_for(lambda: not self._writing and not self._readers, timeout_s):
                raise LockBusy(f"the library stayed in use for {timeout_s:.0f} s")
            self._writing = True
        try:
            yield
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()


@dataclass
class AppSession:
    """The open library and the settings the app runs with; an admin's Settings tab may swap both.

    `operator` is what the operator configured (environment), the bounds of every choice made in the app."""

    library: Library
    settings: Settings
    operator: Settings | None = None
    lock: SharedLock = field(default_factory=SharedLock)
    loading: str = ""  # what the sample loader is doing; empty when nothing is loading in the background
    loaded: str = ""  # what it did, once done
    exports: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="pagelens-export-")))

    def __post_init__(self) -> None:
        self.operator = self.operator or self.settings

    def export_path(self, conversation_id: str, name: str) -> Path:
        """Where a chat's Markdown export is written: a folder per chat (deleted with the chat)."""
        folder = self.exports / conversation_id
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():  # a renamed chat's export under its old title
            if old.name != name:
                old.unlink(missing_ok=True)
        return folder / name

    def forget_export(self, conversation_id: str) -> None:
        shutil.rmtree(self.exports / conversation_id, ignore_errors=True)

    def close(self) -> None:
        """The exports go with the app (the library closes separately)."""
        shutil.rmtree(self.exports, ignore_errors=True)

    def reading(self):
        """Hold while using `self.library`: a lane swap waits until every reader is done."""
        return self.lock.shared()

    @contextmanager
    def using(self) -> Iterator[Library]:
        """The library served now, held for reading while the block runs."""
        with self.lock.shared():
            yield self.library

    def settings_for(self, chosen: UiPrefs | None) -> Settings:
        """The settings a client's session answers with: its own choices, else the app's."""
        return chosen.apply(self.operator).replace(library=self.settings.library) if chosen else self.settings

    @property
    def thumbs(self) -> Path:
        return LibraryLayout(Path(self.settings.library)).ui_cache

    def image_lanes(self) -> list[str]:
        """The open lanes that embed a reference image (composed queries)."""
        return [lane for lane in self.library.lanes if family_of(lane).takes_images]

    def apply_prefs(self, chosen: UiPrefs) -> str:
        """Persist an admin's prefs and use them now for everyone; "Saved." or why not.

        New lanes reopen the library (a lane new to it embeds every page) once no request is using it; when
        they cannot be opened (e.g. model weights missing) the library reopens with its previous lanes."""
        updated = chosen.apply(self.operator).replace(library=self.settings.library)
        try:
            with self.lock.exclusive(SWAP_WAIT_S):
                if updated.lanes != self.library.lanes:
                    previous = self.library.lanes
                    self.library.close()
                    try:
                        self.library = Library(updated.library, lanes=updated.lanes, settings=updated)
                        self.library.encode_in_background()  # a new visual lane's pages were queued
                    except Exception as err:  # a lane whose model cannot load: say so, keep the old lanes
                        self.library = _reopen(updated.library, previous, self.settings)
                        return f"Not saved: the lanes {', '.join(updated.lanes)} cannot be opened: {err}"
                self.settings = updated
        except LockBusy:
            return "Not saved: the library is busy (a question or an upload is running); try again shortly."
        save_prefs(Path(updated.library), chosen, self.operator)
        return "Saved."


def _reopen(path: Path, lanes: list[str], settings: Settings) -> Library:
    """The library with the lanes it had; should that fail too (the disk went away), a library object
    whose every use raises the reason, so no handler meets a closed library."""
    try:
        return Library(path, lanes=lanes, settings=settings)
    except Exception as err:
        return Unopened(f"the library could not be reopened: {err}")  # type: ignore[return-value]


class Unopened:
    """Stands in for a library that could not be reopened: it has no lanes, closes as a no-op, and every
    other use raises the reason."""

    lanes: list[str] = []

    def __init__(self, reason: str) -> None:
        self._reason = reason

    def close(self) -> None:
        pass

    def __getattr__(self, name: str):
        raise RuntimeError(self._reason)
