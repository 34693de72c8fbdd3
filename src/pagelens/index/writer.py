"""Adding and removing documents with the catalog's pending/complete ledger (the library's write side).

Crash safety: a document is `pending` in the catalog from before its first byte is written until every
lane holds its pages; `clean_pending` (run when a library opens and before each change) deletes pending
documents from every lane, the catalog and the image store, so an interrupted `add` run again ends
exactly like an uninterrupted one. An update ingests the new version completely before the old one is
retired: a file that fails to ingest leaves the version already in the library untouched.

A file given to `add` under a new name whose bytes are already a document's ("twins") is not added
twice: its outcome is "unchanged", with the reason "already in the library as X". `sync` adds it anyway
(a mirrored folder keeps one document per file, identical or not).

A different file under the name of a document already in the library replaces it only when the caller
says so (`replace=True`); otherwise it is added as `name (2).ext` and its outcome says why. A full disk
(`storage.is_disk_full`) is the outcome "disk full" for the file that met it and every later file of the
batch, never an exception: the report is kept and the half-added document stays pending (invisible) until
there is space to clean it, so the library still opens. The app's stored copy of an upload
(`<library>/uploads/`) goes when its document is removed or replaced, or fails to ingest.

Files render in sandboxed workers, several at once (`ingest.batch.ingest_files`), which also compute what
the lanes store for them (`LaneSet.preparer`: languages, analysis, vectors); this thread alone writes: the
pending row just before a file is handed to a worker, then its pages, lanes and completion as it comes
back, one file at a time, so the ledger above holds whatever the number of workers.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TypeVar

from ..config import Settings
from ..errors import IngestError
from ..ingest.batch import FileRendered, FileTask, PagesCounted, Runner, ingest_files
from ..ingest.progress import ProgressCallback, ProgressMeter
from ..layout import LibraryLayout
from ..storage import DISK_FULL, is_disk_full, without_paths
from ..types import AddReport, FileOutcome, Page
from .catalog import Catalog, DocumentRow
from .laneset import LaneSet
from .languages import tagged
from .prepared import PreparedPages

log = logging.getLogger(__name__)
_T = TypeVar("_T")
NOT_A_FILE = "not a file or folder that can be read (a FIFO, a socket or a device)"
CHANGED_WHILE_READ = "the file changed while it was read; it is added once it settles (add or sync it again)"
LINK_REFUSED = "a link to a file outside the folder; not followed (the operator may allow it: PAGELENS_FOLLOW_LINKS=true)"


@dataclass(frozen=True)
class _Started:
    """A file handed to a worker: its place in the report, its task, the version it replaces, a note, and
    the content hash recorded for it."""

    index: int
    task: FileTask
    old: DocumentRow | None
    note: str  # for the outcome: why the document got another name
    digest: str
    clashed_with: str = ""  # the name it could not take (a different document has it)


@dataclass
class FolderFiles:
    """What `folder_documents` found: the files to take (path, document name) and the links it refused."""

    documents: list[tuple[Path, str]]
    refused: list[FileOutcome]


def folder_documents(folder: Path, *, exclude: Path, follow_links: bool = False) -> FolderFiles:
    """The files under `folder` that `add` and `sync` take, with their document names (posix paths
    relative to `folder`), sorted: supported suffixes only; no hidden files or folders, no Office lock
    files (`~$name.docx`), nothing inside `exclude` (the library itself, for `add .`).

    A link whose target lies outside `folder` (`notes/passwd.txt -> /etc/passwd`) is refused with a
    failed outcome unless `follow_links` (PAGELENS_FOLLOW_LINKS, the operator's choice), as the MCP
    server's `add` refuses it: whoever can write into a synced folder must not reach the rest of the disk."""
    from ..ingest.pipeline import SUPPORTED_SUFFIXES

    inside = folder.resolve()
    found_files = FolderFiles([], [])
    for found in sorted(folder.rglob("*")):
        relative = found.relative_to(folder)
        hidden = any(part.startswith(".") for part in relative.parts) or found.name.startswith("~$")
        if not found.is_file() or hidden or found.suffix.lower() not in SUPPORTED_SUFFIXES:
            continue
        target = found.resolve()
        if target.is_relative_to(exclude):
            continue
        if not follow_links and not target.is_relative_to(inside):
            found_files.refused.append(
                FileOutcome(relative.as_posix(), str(found), "failed", reason=LINK_REFUSED)
            )
            continue
        found_files.documents.append((found, relative.as_posix()))
    return found_files


class Writer:
    def __init__(
        self, *, settings: Settings, catalog: Catalog, lanes: LaneSet, layout: LibraryLayout
    ) -> None:
        self._settings, self._catalog, self._lanes, self._layout = settings, catalog, lanes, layout

    def add(
        self,
        paths: Iterable[str | Path],
        *,
        replace: bool = False,
        progress: bool | None = None,
        on_progress: ProgressCallback | None = None,
        runner: Runner | None = None,
    ) -> AddReport:
        report = AddReport()
        jobs = self._collect(paths, report)
        report.files.extend(
            self.add_files(
                jobs,
                replace=replace,
                progress=progress,
                on_progress=on_progress,
                runner=runner,
                skip_twins=True,
            ).files
        )
        return report

    def add_files(
        self,
        jobs: Sequence[tuple[Path, str]],
        *,
        replace: bool | frozenset[str] = False,
        progress: bool | None = None,
        on_progress: ProgressCallback | None = None,
        runner: Runner | None = None,
        skip_twins: bool = False,
    ) -> AddReport:
        """Add each (path, document name); `add` names them, `sync` too (names relative to its folder).
        `replace`: a changed file replaces its document (True: every job; a set: the jobs of these names,
        `sync`'s own documents, the folder being their truth); else see module. `skip_twins`: a file
        under a new name whose bytes are already a document's is not added again (see module).
        `runner`: where the files render (default `ingest_files`: local sandboxed workers)."""
        self.clean_pending()
        outcomes: dict[int, FileOutcome] = {}
        started: dict[str, _Started] = {}  # by doc id
        full = False
        show = sys.stderr.isatty() if progress is None else progress
        with ProgressMeter(len(jobs), on_progress, show) as meter:

            def done(index: int, path: Path, outcome: FileOutcome) -> None:
                nonlocal full
                full = full or outcome.reason == DISK_FULL
                if outcome.status == "failed":
                    self._forget_upload(str(path))
                outcomes[index] = outcome
                meter.file_done(outcome)

            def tasks() -> Iterator[FileTask]:  # runs on this thread, a file at a time as a worker frees up
                for index, (path, name) in enumerate(jobs):
                    if full:
                        begun = FileOutcome(name, str(path), "failed", reason=DISK_FULL)
                    else:
                        replaces = replace if isinstance(replace, bool) else name in replace
                        begin = lambda: self._begin_file(index, path, name, replaces, skip_twins)  # noqa: E731
                        begun = self._or_disk_full(name, path, begin)
                    if isinstance(begun, FileOutcome):
                        done(index, path, begun)
                    else:
                        started[begun.task.doc_id] = begun
                        yield begun.task

            for event in (runner or ingest_files)(tasks(), self._settings):
                if isinstance(event, FileRendered):
                    begun, task = started.pop(event.task.doc_id), event.task
                    done(
                        begun.index,
                        task.path,
                        self._or_disk_full(
                            task.name,
                            task.path,
                            lambda: self._finish_file(begun, event.pages, event.error, event.prepared),
                        ),
                    )
                elif isinstance(event, PagesCounted):
                    meter.counted(event.task.name, event.pages)
                else:
                    meter.page_done(event.task.name)
        report = AddReport([outcomes[index] for index in sorted(outcomes)])
        try:
            self._lanes.record()
        except Exception as err:
            if not is_disk_full(err):
                raise
            log.warning("disk full: the lanes' record is written at the next add")
        return report

    def rename(self, doc_id: str, *, name: str, path: Path) -> None:
        """The document's file now lives at `path` under the document name `name`: same pages, same vectors
        (lanes key pages by doc id, the catalog alone holds names)."""
        stat = path.stat()
        self._catalog.rename(
            doc_id, name=name, source=str(path.resolve()), size=stat.st_size, mtime=stat.st_mtime
        )

    def remove(self, name: str) -> bool:
        row = self._catalog.document(name)
        if row is None:
            return False
        self.clean_pending()
        self._lanes.retire_unopened()
        self._catalog.mark_pending(row.doc_id)
        self._purge(row.doc_id)
        self._forget_upload(row.source)
        return True

    def clean_pending(self) -> None:
        """Clean what interrupted runs left pending; on a full disk leave it for later (opening needs no space)."""
        try:
            self._clean_pending()
        except Exception as err:
            if not is_disk_full(err):
                raise
            log.warning("disk full: documents left pending are cleaned once there is space")

    def _clean_pending(self) -> None:
        pending = self._catalog.pending_documents()
        if pending:
            self._lanes.retire_unopened()
        for row in pending:
            log.info("cleaning %s (%s), left pending by an interrupted add/remove", row.name, row.doc_id)
            self._purge(row.doc_id)
            self._forget_upload(row.source)  # the copy an interrupted upload staged goes with it

    def _collect(self, paths: Iterable[str | Path], report: AddReport) -> list[tuple[Path, str]]:
        jobs: dict[str, Path] = {}

        def take(path: Path, name: str) -> None:
            if name in jobs:
                report.files.append(
                    FileOutcome(
                        name,
                        str(path),
                        "failed",
                        reason=(
                            f"another file in this batch has the same document name ({jobs[name]}); add it separately"
                        ),
                    )
                )
            else:
                jobs[name] = path

        for raw in paths:
            path = Path(raw).expanduser()
            if path.is_dir():
                found = folder_documents(
                    path, exclude=self._layout.root, follow_links=self._settings.follow_links
                )
                report.files.extend(found.refused)
                for document, name in found.documents:
                    take(document, name)
            elif path.is_file():
                take(path, path.name)
            else:
                reason = NOT_A_FILE if path.exists() else "no such file or folder"
                report.files.append(FileOutcome(path.name or str(path), str(path), "failed", reason=reason))
        return [(path, name) for name, path in jobs.items()]

    @staticmethod
    def _or_disk_full(name: str, path: Path, work: Callable[[], _T]) -> _T | FileOutcome:
        """`work()`, with a full disk met anywhere (catalog, lanes, Chroma) as the file's outcome."""
        try:
            return work()
        except Exception as err:
            if not is_disk_full(err):
                raise
            log.warning("disk full while adding %s", name)
            return FileOutcome(name, str(path), "failed", reason=DISK_FULL)

    def _begin_file(
        self, index: int, path: Path, name: str, replace: bool, skip_twins: bool
    ) -> FileOutcome | _Started:
        """Hash the file; an unchanged or unreadable one is done here, else it becomes a pending document
        (in the catalog before any of its bytes are written) and a task for a worker."""
        from ..ingest.pipeline import content_hash, detect_kind

        try:
            digest = content_hash(path)
            kind = detect_kind(path)  # None: the render says why the file cannot be read
            stat = path.stat()
        except OSError as err:
            return FileOutcome(
                name,
                str(path),
                "failed",
                reason=without_paths(f"cannot read the file: {err.strerror or err}"),
            )
        old = self._catalog.document(name)
        twin = None if old is not None or not skip_twins else self._catalog.document_with_content(digest)
        if twin is not None:
            self._forget_upload(str(path))
            reason = f"already in the library as {twin.name}"
            return FileOutcome(name, str(path), "unchanged", pages=twin.pages, reason=reason)
        note = clashed_with = ""
        if old is not None and old.content_hash != digest and not replace:
            clashed_with, name = name, self._distinct_name(name, digest)
            note = (
                f"a different document named {clashed_with} is in the library; this file was added as {name} "
                "(add it with replace=True to replace the other)"
            )
            old = self._catalog.document(name)
        if old is not None and old.content_hash == digest:
            return FileOutcome(name, str(path), "unchanged", pages=old.pages)
        doc_id = hashlib.sha256(f"{digest}\0{name}".encode()).hexdigest()[:20]
        while self._catalog.has_document_id(doc_id):  # a renamed document keeps the id its old name gave it
            doc_id = hashlib.sha256(doc_id.encode()).hexdigest()[:20]
        self._lanes.retire_unopened()
        self._catalog.insert_pending(
            DocumentRow(
                doc_id=doc_id,
                name=name,
                content_hash=digest,
                kind=kind or "unknown",
                pages=0,
                source=str(path.resolve()),
                size=stat.st_size,
                mtime=stat.st_mtime,
                added_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                status="pending",
            )
        )
        task = FileTask(path, name, doc_id, self._layout.page_dir(doc_id), prepare=self._lanes.preparer())
        return _Started(index, task, old, note, digest, clashed_with)

    def _finish_file(
        self, begun: _Started, pages: list[Page], error: Exception | None, prepared: object | None = None
    ) -> FileOutcome:
        """Index a rendered file in every lane and complete it; a failed one is purged, the batch goes on.
        `prepared`: what the task's preparer computed in the worker (`PreparedPages`), stored as it is."""
        task, old = begun.task, begun.old
        path, name, doc_id = task.path, task.name, task.doc_id

        def failed(reason: str) -> FileOutcome:
            return FileOutcome(
                name, str(path), "failed", reason=DISK_FULL if is_disk_full(reason) else without_paths(reason)
            )

        if error is None and not self._still(path, begun.digest):
            self._purge(doc_id)
            return FileOutcome(name, str(path), "busy", reason=CHANGED_WHILE_READ)
        try:
            if error is not None:
                raise error
            if not pages:
                raise IngestError("the file has no pages")
            if isinstance(prepared, PreparedPages):
                pages = prepared.pages  # languages set in the worker
            pages = [tagged(page) for page in pages]  # languages, for the catalog and the text lane
            self._catalog.insert_pages(doc_id, pages)
            self._lanes.index(pages, prepared.lanes if isinstance(prepared, PreparedPages) else None)
        except Exception as err:  # noqa: BLE001 - one bad file must not stop the batch; the library stays whole
            if is_disk_full(err):
                self._purge_unless_disk_full(doc_id)
                return failed(DISK_FULL)
            if not isinstance(err, IngestError):
                log.error("indexing %s failed", path, exc_info=err)
            self._purge(doc_id)
            return failed(
                str(err) if isinstance(err, IngestError) else f"indexing failed: {type(err).__name__}: {err}"
            )
        self._catalog.complete(doc_id, replaces=old.doc_id if old else None)
        if old is not None:
            self._purge(old.doc_id)
            if old.source != str(path.resolve()):
                self._forget_upload(old.source)
        status = "updated" if old else "added"
        return FileOutcome(
            name, str(path), status, pages=len(pages), reason=begun.note, clashed_with=begun.clashed_with
        )

    @staticmethod
    def _still(path: Path, digest: str) -> bool:
        """True when the file still holds the bytes hashed before it was rendered: one overwritten while a
        worker read it may have been rendered as a mix of two versions, recorded under the old hash."""
        from ..ingest.pipeline import content_hash

        try:
            return content_hash(path) == digest
        except OSError:
            return False

    def _distinct_name(self, name: str, digest: str) -> str:
        """`stem (2).ext`, `stem (3).ext`, ...: the first name that is free or already holds these bytes."""
        stem, dot, suffix = name.rpartition(".")
        stem, suffix = (stem, dot + suffix) if dot and stem else (name, "")
        for number in itertools.count(2):
            candidate = f"{stem} ({number}){suffix}"
            row = self._catalog.document(candidate)
            if row is None or row.content_hash == digest:
                return candidate
        raise AssertionError("unreachable")

    def _purge_unless_disk_full(self, doc_id: str) -> None:
        """Purge a failed add; on a full disk it stays pending, cleaned at the next change or open with space."""
        try:
            self._purge(doc_id)
        except Exception as err:
            if not is_disk_full(err):
                raise
            log.warning("disk full: %s stays pending until there is space to clean it", doc_id)

    def _forget_upload(self, source: str) -> None:
        """Delete the app's stored copy `source` (and its now empty folder); other paths are never touched.
        A copy another complete document still reads from is kept."""
        path = Path(source)
        uploads = self._layout.uploads.resolve()
        if not path.resolve().is_relative_to(uploads) or path.resolve() == uploads:
            return
        if any(row.source == source for row in self._catalog.complete_documents()):
            return
        path.unlink(missing_ok=True)
        if path.parent.resolve() != uploads and path.parent.is_dir() and not any(path.parent.iterdir()):
            path.parent.rmdir()

    def _purge(self, doc_id: str) -> None:
        """Delete a (pending) document everywhere; the catalog row goes last so a crash retries it."""
        self._lanes.delete([doc_id])
        shutil.rmtree(self._layout.page_dir(doc_id), ignore_errors=True)
        self._catalog.delete_document(doc_id)
