"""Files dropped on the app, shown while they are added: one row per file from the moment of the drop
(waiting, opening, reading page i of n, then what happened to it) under one bar for the whole drop.

The bar shows pages done over pages expected. The expected total is an estimate until every file has been
opened (files not opened yet count at the mean page count so far), so it can shrink; the bar's fill never
does: it keeps the highest share shown so far, and the total is written "about N" while it is estimated.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..types import AddProgress, AddReport, FileOutcome
from . import present

BAR_STEPS = 1000  # the <progress> element's max: shares are shown to 0.1%
TALLY = {"added": "added", "updated": "updated", "unchanged": "already in the library", "failed": "failed"}


@dataclass
class Row:
    name: str  # as dropped
    path: str  # the stored copy
    pages_done: int = 0
    pages_total: int = 0  # 0: not opened yet
    outcome: FileOutcome | None = None  # set once the file is done

    def html(self) -> str:
        if self.outcome is not None:
            return present.file_row(self.outcome, self.name)
        if self.pages_total:
            state, words = (
                "reading",
                f"reading page {min(self.pages_done + 1, self.pages_total)} of {self.pages_total}",
            )
        else:
            state, words = "queued", "waiting"
        return (
            f'<li class="pl-file pl-{state}"><span class="pl-icon" aria-hidden="true">◌</span> '
            f"<b>{html.escape(self.name)}</b> {words}</li>"
        )


@dataclass
class UploadBoard:
    rows: list[Row]
    share: float = 0.0  # the bar's fill, 0..1, never lower than before
    pages_done: int = 0
    pages_total: int = 0
    estimated: bool = True  # whether pages_total still counts files not opened yet
    files_done: int = 0
    refused: list[FileOutcome] = field(default_factory=list)  # before any ingest: quota, storage

    @classmethod
    def of(cls, files: Sequence[Path], refused: Sequence[FileOutcome] = ()) -> "UploadBoard":
        return cls([Row(path.name, str(path)) for path in files], refused=list(refused))

    def update(self, progress: AddProgress) -> None:
        self.pages_done, self.pages_total = progress.pages_done, progress.pages_total
        self.files_done = progress.files_done
        opened = sum(1 for row in self.rows if row.pages_total or row.outcome)
        self.estimated = progress.files_done < progress.files_total and opened < len(self.rows)
        if progress.pages_total:
            self.share = max(self.share, progress.pages_done / progress.pages_total)
        finished = progress.finished
        row = self._row(finished.path if finished else "", progress.name)
        if row is None:
            return
        if finished is not None:
            row.outcome = finished
        else:
            row.pages_done, row.pages_total = progress.file_pages_done, progress.file_pages_total
        if self.files_done == len(self.rows):
            self.share = 1.0

    def finish(self, report: AddReport) -> None:
        for outcome in report.files:
            row = self._row(outcome.path, outcome.name)
            if row is not None:
                row.outcome = outcome
        self.share, self.files_done = 1.0, len(self.rows)

    def _row(self, path: str, name: str) -> Row | None:
        by_path = next((row for row in self.rows if path and row.path == path), None)
        return by_path or next((row for row in self.rows if row.outcome is None and row.name == name), None)

    def _tally(self) -> str:
        """`2 added · 1 failed`, over every row (refused files count as failed)."""
        outcomes = self.refused + [row.outcome for row in self.rows if row.outcome is not None]
        counts: dict[str, int] = {}
        for outcome in outcomes:
            counts[TALLY[outcome.status]] = counts.get(TALLY[outcome.status], 0) + 1
        return " · ".join(f"{n} {words}" for words, n in counts.items())

    def html(self) -> str:
        total = f"about {self.pages_total}" if self.estimated else str(self.pages_total)
        done = self.files_done == len(self.rows)
        files = f"{len(self.rows)} file{'s' * (len(self.rows) != 1)}"
        words = f"Done: {self._tally()}" if done else f"Adding {files}: {self.pages_done} of {total} pages"
        bar = (
            f'<div class="pl-upload-bar"><progress max="{BAR_STEPS}" value="{round(self.share * BAR_STEPS)}" '
            f'aria-label="pages added"></progress><span>{words}</span></div>'
        )
        rows = "".join(present.file_row(o) for o in self.refused) + "".join(row.html() for row in self.rows)
        return f'<div class="pl-upload" aria-live="polite">{bar}<ul class="pl-files">{rows}</ul></div>'
