"""Keep a library in step with a folder: `Library.sync(folder)` once, `watch` to follow it live.

A sync walks the folder exactly as `add` does (same document names: paths relative to the folder; links
leading outside it refused) and compares it with the folder's own documents: those whose recorded source
lies inside the folder, never the library's own files (its uploads, when the library sits inside the
folder). Documents added from anywhere else are never touched, and a folder file whose name such a
document holds is added beside it as `name (2).ext` (as `add` does), then tracked by its path:
- a file whose size and modification time match its document is unchanged (not even hashed);
- a file under a new name whose content hash is that of a document whose file is gone is a rename:
  the document takes the new name and path, nothing is ingested again;
- other new or changed files are added (an update replaces the old version only once the new one is in);
- documents whose file is gone are removed.

Files being written: a file whose modification time is less than `settle_s` old is reported `busy` and
left for a later pass (`watch` passes again after `settle_s`), so a half-copied file is not ingested;
a file that changes while it is hashed is also `busy`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from ..errors import FolderNotFoundError
from ..storage import without_paths
from ..types import AddReport, FileOutcome
from .catalog import Catalog, DocumentRow
from .writer import ProgressCallback, Writer, folder_documents

SETTLE_S = 2.0  # `watch`: a file must have been left alone this long before it is ingested
DEBOUNCE_MS = 800  # `watch`: changes arriving within this window are handled in one pass


def sync_folder(
    writer: Writer,
    catalog: Catalog,
    folder: str | Path,
    *,
    library_root: Path,
    follow_links: bool = False,
    settle_s: float = 0.0,
    progress: bool | None = None,
    on_progress: ProgressCallback | None = None,
) -> AddReport:
    """One pass (see the module docstring); returns an outcome for every file and removed document."""
    from ..ingest.pipeline import content_hash

    root = Path(folder).expanduser().resolve()
    if not root.is_dir():
        raise FolderNotFoundError(f"cannot sync {folder}: no such folder")
    library_root = library_root.resolve()
    found = folder_documents(root, exclude=library_root, follow_links=follow_links)
    report = AddReport(list(found.refused))
    known = {row.name: row for row in catalog.complete_documents()}
    sources = {str(path.resolve()) for path, _ in found.documents}
    own = {
        row.name: row
        for row in known.values()
        if _from_folder(Path(row.source), root, library_root) or row.source in sources
    }
    own_by_source = {row.source: row for row in own.values()}
    claimed: set[str] = set()
    candidates: list[tuple[Path, str, tuple[int, float], DocumentRow | None]] = []
    now = time.time()
    for path, name in found.documents:
        try:
            stat = path.stat()
            source = str(path.resolve())
        except OSError:
            continue  # vanished during the walk: the next pass sees it gone
        row = own_by_source.get(source) or own.get(name)
        if row is not None and row.name in claimed:
            row = None
        if row is not None:
            claimed.add(row.name)
        if row is not None and (row.source, row.size, row.mtime) == (source, stat.st_size, stat.st_mtime):
            report.files.append(FileOutcome(row.name, str(path), "unchanged", pages=row.pages))
        elif now - stat.st_mtime < settle_s:
            report.files.append(_busy(row.name if row else name, path))
        else:
            candidates.append((path, name, (stat.st_size, stat.st_mtime), row))

    gone = {name: row for name, row in own.items() if name not in claimed}
    gone_by_hash: dict[str, list[DocumentRow]] = {}
    for row in gone.values():
        gone_by_hash.setdefault(row.content_hash, []).append(row)
    updates: list[tuple[Path, str]] = []
    new: list[tuple[Path, str]] = []
    for path, name, seen, row in candidates:
        if row is not None:
            updates.append((path, row.name))
            continue
        if name in known or not gone:  # a name held by a document from elsewhere: added beside it
            new.append((path, name))
            continue
        try:
            digest = content_hash(path)
            stat = path.stat()
        except OSError as err:
            reason = without_paths(f"cannot read the file: {err.strerror or err}")
            report.files.append(FileOutcome(name, str(path), "failed", reason=reason))
            continue
        if (stat.st_size, stat.st_mtime) != seen:
            report.files.append(_busy(name, path))
        elif gone_by_hash.get(digest):
            old = gone.pop(gone_by_hash[digest].pop(0).name)
            writer.rename(old.doc_id, name=name, path=path)
            report.files.append(FileOutcome(name, str(path), "renamed", pages=old.pages, previous=old.name))
        else:
            new.append((path, name))

    # the folder is the truth for its own documents (replaced); a document of the same name added from
    # elsewhere is kept, and the folder's file is added beside it as `name (2).ext` (the rule of `add`)
    jobs = updates + new
    replaced = frozenset(name for _, name in updates)
    report.files.extend(
        writer.add_files(jobs, replace=replaced, progress=progress, on_progress=on_progress).files
    )
    for row in gone.values():
        if writer.remove(row.name):
            report.files.append(FileOutcome(row.name, row.source, "removed", pages=row.pages))
    return report


def _from_folder(source: Path, root: Path, library_root: Path) -> bool:
    """A document read from inside the synced folder; never one of the library's own files (its uploads),
    even when the library lies inside that folder (the default ./pagelens-library under ./)."""
    return source.is_relative_to(root) and not source.is_relative_to(library_root)


def _busy(name: str, path: Path) -> FileOutcome:
    return FileOutcome(name, str(path), "busy", reason="still being written; it is synced once it settles")


def watch(
    sync: Callable[[float], AddReport],
    folder: Path,
    on_report: Callable[[AddReport], None],
    *,
    library_root: Path,
    settle_s: float = SETTLE_S,
    stop: threading.Event | None = None,
) -> None:
    """Sync, then again whenever something under `folder` changes, until `stop` is set.

    `sync(settle_s)` runs one pass (the library's own `sync`); passes repeat every `settle_s` while any
    file is busy. Changes inside the library folder (when it lies inside `folder`) are ignored.
    """
    import watchfiles

    root = Path(folder).expanduser().resolve()
    library_root = library_root.resolve()
    default = watchfiles.DefaultFilter()

    def relevant(change: watchfiles.Change, path: str) -> bool:
        return default(change, path) and not Path(path).is_relative_to(library_root)

    # The first pass runs at the watcher's first wake-up, once it is already recording changes, so
    # nothing written between that pass and the start of watching can be missed.
    first, waiting = True, False
    for changes in watchfiles.watch(
        root,
        watch_filter=relevant,
        debounce=DEBOUNCE_MS,
        stop_event=stop,
        rust_timeout=int(settle_s * 1000) or 1000,
        yield_on_timeout=True,
        raise_interrupt=False,
    ):
        if not (first or changes or waiting):
            continue
        report = sync(settle_s)
        on_report(report)
        first, waiting = False, bool(report.by_status("busy"))
