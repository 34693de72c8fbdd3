"""The pages background lanes still have to encode, persisted in `<library>/lane-queue.sqlite` (WAL).

A lane whose `Lane.background` is true (the visual lanes: seconds to minutes a page on a CPU) does not
hold up an add: `LaneSet.index` writes the foreground lanes (the text lane) and puts one row per page
and background lane here, before the catalog marks the document complete, so a crash leaves either a
pending document (cleaned with its rows) or a complete one whose missing pages are exactly its rows.
`index.background.BackgroundLanes` encodes the rows in the writing process and deletes each batch's rows
once the lane holds its vectors; a kill -9 loses at most the batch being encoded, which is encoded again
(lanes upsert by page key).

Cancelling (a document removed or replaced) deletes its rows and, in the same transaction, leaves a
`forget` row for each lane that still had some: the batch being encoded at that moment may land in the
lane after the remove deleted the document there, so the worker deletes the document from that lane
again before it encodes anything else (after a crash too: the row is on disk).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..types import Page

SCHEMA = """
CREATE TABLE IF NOT EXISTS queued (
    lane TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    page INTEGER NOT NULL,
    PRIMARY KEY (lane, doc_id, page)
);
CREATE TABLE IF NOT EXISTS forget (
    lane TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    PRIMARY KEY (lane, doc_id)
);
"""


class LaneQueue:
    """Thread-safe access to the queue file (one connection, serialised by a lock). `writable=False`: a
    reader (another process writes the library) that only counts; `immutable`: a read-only medium."""

    def __init__(self, path: Path, *, writable: bool = True, immutable: bool = False) -> None:
        self._lock = threading.RLock()
        self.changed = threading.Condition(self._lock)  # notified when rows are added or removed
        self._db: sqlite3.Connection | None = None
        if writable and not immutable:
            self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA busy_timeout = 30000")
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(SCHEMA)
        elif path.is_file():
            mode = "immutable=1" if immutable else "mode=ro"
            self._db = sqlite3.connect(
                f"{path.resolve().as_uri()}?{mode}", uri=True, check_same_thread=False, isolation_level=None
            )

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def _rows(self, sql: str, args: Sequence = ()) -> list[tuple]:
        with self._lock:
            if self._db is None:
                return []
            try:
                return self._db.execute(sql, args).fetchall()
            except sqlite3.OperationalError:  # a reader before the writer made the tables
                return []

    def _write(self, statements: Iterable[tuple[str, Sequence]]) -> None:
        with self._lock, self._db:
            self._db.execute("BEGIN")
            for sql, args in statements:
                self._db.execute(sql, args)
            self.changed.notify_all()

    # writing ---------------------------------------------------------------------------------------
    def enqueue(self, lanes: Sequence[str], pages: Sequence[Page]) -> None:
        with self._lock, self._db:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT OR IGNORE INTO queued VALUES (?, ?, ?)",
                [(lane, page.doc_id, page.page) for lane in lanes for page in pages],
            )
            self.changed.notify_all()

    def cancel(self, doc_ids: Sequence[str]) -> None:
        """Drop the documents' rows; a lane that still had some gets a `forget` row (module docstring)."""
        marks = "?, " * (len(doc_ids) - 1) + "?"
        self._write(
            [
                (
                    f"INSERT OR IGNORE INTO forget SELECT DISTINCT lane, doc_id FROM queued WHERE doc_id IN ({marks})",
                    list(doc_ids),
                ),
                (f"DELETE FROM queued WHERE doc_id IN ({marks})", list(doc_ids)),
            ]
        )

    def drop_lane(self, lane: str) -> None:
        """Forget everything queued for `lane` (it is being re-embedded from scratch)."""
        self._write(
            [("DELETE FROM queued WHERE lane = ?", (lane,)), ("DELETE FROM forget WHERE lane = ?", (lane,))]
        )

    def done(self, lane: str, doc_id: str, pages: Sequence[int]) -> None:
        self._write(
            [
                ("DELETE FROM queued WHERE lane = ? AND doc_id = ? AND page = ?", (lane, doc_id, p))
                for p in pages
            ]
        )

    def forgotten(self, lane: str, doc_id: str) -> None:
        self._write([("DELETE FROM forget WHERE lane = ? AND doc_id = ?", (lane, doc_id))])

    # reading ---------------------------------------------------------------------------------------
    def to_forget(self) -> list[tuple[str, str]]:
        """(lane, doc_id) whose vectors a cancelled batch may have left behind."""
        return [tuple(row) for row in self._rows("SELECT lane, doc_id FROM forget ORDER BY rowid")]

    def documents(self) -> list[tuple[str, str]]:
        """(lane, doc_id) with queued pages, oldest first."""
        return [
            tuple(row)
            for row in self._rows("SELECT lane, doc_id FROM queued GROUP BY lane, doc_id ORDER BY MIN(rowid)")
        ]

    def pages(self, lane: str, doc_id: str, limit: int) -> list[int]:
        """The first `limit` queued page numbers of a document for a lane."""
        rows = self._rows(
            "SELECT page FROM queued WHERE lane = ? AND doc_id = ? ORDER BY page LIMIT ?",
            (lane, doc_id, limit),
        )
        return [row[0] for row in rows]

    def counts(self) -> dict[str, dict[str, int]]:
        """Lane -> doc id -> pages still queued."""
        found: dict[str, dict[str, int]] = {}
        for lane, doc_id, n in self._rows("SELECT lane, doc_id, COUNT(*) FROM queued GROUP BY lane, doc_id"):
            found.setdefault(lane, {})[doc_id] = n
        return found
