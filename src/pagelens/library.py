"""`Library`: the public face of pagelens (a folder with an embedded Chroma, page images and a catalog).

Folder layout: `catalog.sqlite` (documents, pages, lanes), `chroma/` (embedded Chroma, absent with a
server), `pages/<doc_id>/<page:05d>.png`, `lanes/<lane>/` (lanes' side stores), `.lock`.

Crash safety: a document is `pending` in the catalog from before its first byte is written until every
lane holds its pages; a library that opens (or starts an `add`/`remove`) first deletes pending documents
from every lane, the catalog and the image store, so an interrupted `add` run again ends exactly like an
uninterrupted one. An update ingests the new version completely before the old one is retired: a file
that fails to ingest leaves the version already in the library untouched.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

from .config import Settings
from .conversations import CONVERSATIONS_FILE, Conversations
from .inputs import capped_text, check_pixels, open_query_image
from .index.catalog import Catalog, DocumentRow
from .index.chroma import ChromaHandle
from .index.fusion import fuse
from .index.lane import Lane, LaneContext, Query
from .index.lock import LibraryLock
from .index.registry import create_lane, lane_folder, lane_names
from .types import AddReport, Answer, DocumentInfo, FileOutcome, Hit, Page, Step, page_key

log = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int, str], None]  # (done, total, message)


class Library:
    def __init__(self, path: str | Path | None = None, *, lanes: Sequence[str] | None = None,
                 settings: Settings | None = None) -> None:
        """Open (or create) the library folder `path` (default: `settings.library`).

        `lanes`: lane names to use; left out, the library's remembered lanes (else `settings.lanes`).
        A lane that is new to the library is filled from the stored pages; a lane whose spec (model,
        version) changed is dropped and re-embedded; other lanes are untouched.
        """
        settings = settings or Settings.from_env()
        self.path = Path(path if path is not None else settings.library).expanduser().resolve()
        self.path.mkdir(parents=True, exist_ok=True)
        self._mutex = threading.RLock()
        self._lanes: dict[str, Lane] = {}
        self._lane_chroma: dict[str, ChromaHandle] = {}
        self._stale_marked = False
        self._lock: LibraryLock | None = LibraryLock(self.path / ".lock")
        self.catalog: Catalog | None = None
        self._conversations: Conversations | None = None
        try:
            self.catalog = Catalog(self.path / "catalog.sqlite", self.path)
            stored = self.catalog.lanes()
            names = lane_names(lanes if lanes is not None else (list(stored) or settings.lanes))
            if not names:
                raise ValueError("a library needs at least one lane (e.g. lanes=['text'])")
            self.settings = settings.replace(library=self.path, lanes=names)
            self.chroma = ChromaHandle.open(folder=self.path / "chroma", url=self.settings.chroma_url,
                                            namespace=f"pl{self.catalog.library_id()}-")
            for name in names:
                self._lanes[name] = self._create_lane(name)
            self._clean_pending()
            for name in names:
                self._sync_lane(name, stored.get(name))
        except BaseException:
            self.close()
            raise

    @property
    def lanes(self) -> list[str]:
        return list(self._lanes)

    # adding ----------------------------------------------------------------------------------------
    def add(self, paths: Iterable[str | Path] | str | Path, *, progress: bool | None = None,
            on_progress: ProgressCallback | None = None) -> AddReport:
        """Ingest files and folders (recursive). Unchanged files are a no-op; changed ones replace.

        Files given directly are named by their file name; files found under a folder by their path
        relative to it (posix). Unsupported files inside folders are skipped; given directly they fail.
        `progress`: a tqdm bar on stderr (default: only when stderr is a terminal). `on_progress(done,
        total, message)` is called before each file and once at the end.
        """
        from tqdm import tqdm

        if isinstance(paths, (str, Path)):
            paths = [paths]
        with self._mutex:
            report = AddReport()
            jobs = self._collect(paths, report)
            self._clean_pending()
            show = sys.stderr.isatty() if progress is None else progress
            with tqdm(total=len(jobs), unit="file", disable=not show, file=sys.stderr, leave=False) as bar:
                for done, (path, name) in enumerate(jobs):
                    if on_progress:
                        on_progress(done, len(jobs), name)
                    bar.set_postfix_str(name[-40:], refresh=False)
                    report.files.append(self._add_file(path, name))
                    bar.update()
            if on_progress:
                on_progress(len(jobs), len(jobs), "done")
            self._record_lanes()
            return report

    def _collect(self, paths: Iterable[str | Path], report: AddReport) -> list[tuple[Path, str]]:
        from .ingest.pipeline import SUPPORTED_SUFFIXES

        jobs: dict[str, Path] = {}

        def take(path: Path, name: str) -> None:
            if name in jobs:
                report.files.append(FileOutcome(name, str(path), "failed", reason=(
                    f"another file in this batch has the same document name ({jobs[name]}); add it separately")))
            else:
                jobs[name] = path

        for raw in paths:
            path = Path(raw).expanduser()
            if path.is_dir():
                for found in sorted(path.rglob("*")):
                    relative = found.relative_to(path)
                    hidden = any(part.startswith(".") for part in relative.parts)
                    if (found.is_file() and not hidden and found.suffix.lower() in SUPPORTED_SUFFIXES
                            and not found.resolve().is_relative_to(self.path)):  # `add .` skips our own PNGs
                        take(found, relative.as_posix())
            elif path.is_file():
                take(path, path.name)
            else:
                report.files.append(FileOutcome(path.name or str(path), str(path), "failed",
                                                reason="no such file or folder"))
        return [(path, name) for name, path in jobs.items()]

    def _add_file(self, path: Path, name: str) -> FileOutcome:
        from .ingest.pipeline import IngestError, content_hash, detect_kind, ingest_file

        def failed(reason: str) -> FileOutcome:
            return FileOutcome(name, str(path), "failed", reason=reason)

        try:
            digest = content_hash(path)
            kind = detect_kind(path)  # None: ingest_file below says why the file cannot be read
            stat = path.stat()
        except OSError as err:
            return failed(f"cannot read the file: {err.strerror or err}")
        old = self.catalog.document(name)
        if old is not None and old.content_hash == digest:
            return FileOutcome(name, str(path), "unchanged", pages=old.pages)
        doc_id = hashlib.sha256(f"{digest}\0{name}".encode()).hexdigest()[:20]
        self._retire_unopened_lanes()
        self.catalog.insert_pending(DocumentRow(
            doc_id=doc_id, name=name, content_hash=digest, kind=kind or "unknown", pages=0, source=str(path.resolve()),
            size=stat.st_size, mtime=stat.st_mtime, added_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            status="pending"))
        try:
            pages = ingest_file(path, name=name, doc_id=doc_id, out_dir=self.path / "pages" / doc_id,
                                settings=self.settings)
            if not pages:
                raise IngestError("the file has no pages")
            self.catalog.insert_pages(doc_id, pages)
            for lane in self._lanes.values():
                lane.index(pages)
        except IngestError as err:
            self._purge(doc_id)
            return failed(str(err))
        except Exception as err:  # noqa: BLE001 - one bad file must not stop the batch; the library stays whole
            log.exception("indexing %s failed", path)
            self._purge(doc_id)
            return failed(f"indexing failed: {type(err).__name__}: {err}")
        self.catalog.complete(doc_id, replaces=old.doc_id if old else None)
        if old is not None:
            self._purge(old.doc_id)
        return FileOutcome(name, str(path), "updated" if old else "added", pages=len(pages))

    # removing --------------------------------------------------------------------------------------
    def remove(self, name: str) -> bool:
        """Remove a document (by its name) from every lane, the catalog and the image store."""
        with self._mutex:
            row = self.catalog.document(name)
            if row is None:
                return False
            self._clean_pending()
            self._retire_unopened_lanes()
            self.catalog.mark_pending(row.doc_id)
            self._purge(row.doc_id)
            return True

    def _purge(self, doc_id: str) -> None:
        """Delete a (pending) document everywhere; the catalog row goes last so a crash retries it."""
        for lane in self._lanes.values():
            lane.delete([doc_id])
        shutil.rmtree(self.path / "pages" / doc_id, ignore_errors=True)
        self.catalog.delete_document(doc_id)

    def _clean_pending(self) -> None:
        pending = self.catalog.pending_documents()
        if pending:
            self._retire_unopened_lanes()
        for row in pending:
            log.info("cleaning %s (%s), left pending by an interrupted add/remove", row.name, row.doc_id)
            self._purge(row.doc_id)

    # lanes -----------------------------------------------------------------------------------------
    def _create_lane(self, name: str) -> Lane:
        chroma = self._lane_chroma[name] = self.chroma.scoped()
        folder = lane_folder(self.path, name)
        folder.mkdir(parents=True, exist_ok=True)
        return create_lane(name, LaneContext(settings=self.settings, chroma=chroma, folder=folder))

    def _sync_lane(self, name: str, stored) -> None:
        """Fill a lane new to this library; drop and re-embed one whose spec changed; else nothing."""
        lane = self._lanes[name]
        spec = lane.spec()
        if stored is not None and _same(stored.spec, spec):
            return
        if stored is not None:
            log.warning("lane %s changed (%s -> %s): re-embedding it", name, stored.spec, spec)
            lane.close()
            for collection in set(stored.collections) | self._lane_chroma[name].used:
                self.chroma.delete_collection(collection)
            shutil.rmtree(lane_folder(self.path, name), ignore_errors=True)
            lane = self._lanes[name] = self._create_lane(name)
            spec = lane.spec()
        documents = self.catalog.complete_documents()
        self.catalog.set_lane(name, {"incomplete": True}, self._lane_chroma[name].used)
        from tqdm import tqdm

        for row in tqdm(documents, desc=f"embedding lane {name}", unit="doc", disable=not sys.stderr.isatty(),
                        file=sys.stderr, leave=False):
            lane.index(self.catalog.pages_of(row.doc_id))
            self.catalog.set_lane(name, {"incomplete": True}, self._lane_chroma[name].used)
        self.catalog.set_lane(name, spec, self._lane_chroma[name].used)

    def _retire_unopened_lanes(self) -> None:
        """Before this session's first change: a lane the library has but this session did not open would
        miss the change, so mark it stale; the next session that opens it re-embeds it instead of serving
        stale vectors. (A session that only reads, or adds only unchanged files, retires nothing.)"""
        if self._stale_marked:
            return
        for record in self.catalog.lanes().values():
            if record.name not in self._lanes:
                log.warning("lane %s is not open: it will be re-embedded when next used", record.name)
                self.catalog.set_lane(record.name, {"stale": True}, record.collections)
        self._stale_marked = True

    def _record_lanes(self) -> None:
        """Remember the collections each lane uses (lanes may create them lazily)."""
        stored = self.catalog.lanes()
        for name, chroma in self._lane_chroma.items():
            record = stored.get(name)
            if record is not None and not chroma.used <= set(record.collections):
                self.catalog.set_lane(name, record.spec, set(record.collections) | chroma.used)

    # searching -------------------------------------------------------------------------------------
    def search(self, text: str | None = None, k: int | None = None, *, image=None, caption: str | None = None,
               lanes: Sequence[str] | None = None, docs: Sequence[str] | None = None) -> list[Hit]:
        """Ranked pages for a text query, an image (PDV composed query), or both.

        `image`: a PIL image or a path to one; `caption`: what the image shows (the base text of a composed
        query; default: the text of the library page the image is, else none). `lanes`: a subset of this library's lanes (default: all),
        fused by weighted reciprocal-rank fusion (`settings.fusion_weights`, `settings.rrf_k`).
        `docs`: document names to search within (default: all); every lane filters by them before ranking.
        Raises ValueError for an empty query, k <= 0, a lane this library does not have, or an unknown
        document.
        """
        query = self._query(text, image, caption)
        scope = self._scope(docs)
        if scope is not None:
            query = replace(query, docs=frozenset(scope))
        k = self.settings.k if k is None else k
        if isinstance(k, bool) or not isinstance(k, int) or k <= 0:
            raise ValueError(f"k must be a positive whole number, got {k!r}")
        chosen = list(self._lanes) if lanes is None else lane_names(lanes)
        unknown = [name for name in chosen if name not in self._lanes]
        if unknown or not chosen:
            raise ValueError(f"lanes {unknown or chosen} are not open in this library; open lanes: {self.lanes}")
        with self._mutex:
            total = self.catalog.page_count() if scope is None else sum(scope.values())
            if total == 0:
                return []
            depth = min(total, k if len(chosen) == 1 else max(3 * k, 30))
            ranked = {name: self._lanes[name].search(query, depth) for name in chosen}
            fused = fuse(ranked, weights=self.settings.fusion_weights, rrf_k=self.settings.rrf_k)
            pages = self.catalog.complete_pages([hit.key for hit in fused])
        hits: list[Hit] = []
        for fused_hit in fused:
            page = pages.get(fused_hit.key)
            if page is None:
                continue
            region = fused_hit.region
            hits.append(Hit(doc=page.doc, page=page.page, score=fused_hit.score, text=page.text,
                            image_path=page.image_path, regions=page.regions, doc_id=page.doc_id,
                            rank=len(hits) + 1, lanes=fused_hit.lanes,
                            region=page.regions[region] if region is not None and 0 <= region < len(page.regions)
                            else None))
            if len(hits) == k:
                break
        return hits

    def _scope(self, docs: Sequence[str] | None) -> dict[str, int] | None:
        """Doc id -> page count of the named documents; None for the whole library."""
        if docs is None:
            return None
        names = [docs] if isinstance(docs, str) else list(dict.fromkeys(docs))
        if not names:
            raise ValueError("docs is empty: name at least one document, or leave docs out to search all")
        rows = {name: self.catalog.document(name) for name in names}
        unknown = [name for name, row in rows.items() if row is None]
        if unknown:
            raise ValueError(f"no document named {', '.join(map(repr, unknown))} in this library")
        return {row.doc_id: row.pages for row in rows.values()}

    def _query(self, text: str | None, image, caption: str | None = None) -> Query:
        if text is not None and not isinstance(text, str):
            raise ValueError(f"the query text must be a string, got {type(text).__name__}")
        text = capped_text(text, self.settings.max_query_chars) if text else None
        if image is None and not text:
            raise ValueError("empty query: give some text, an image, or both")
        if image is not None and hasattr(image, "convert"):
            check_pixels(image.size, self.settings.max_page_pixels)
        elif image is not None:
            if caption is None:
                caption = self._page_text_of_image(Path(image))
            image = open_query_image(image, self.settings.max_page_pixels)
        return Query(text=text or None, image=image, caption=" ".join(caption.split()) if caption else None)

    def _page_text_of_image(self, image_path: Path) -> str | None:
        """The text of the library page whose screenshot `image_path` is (a page used as a reference)."""
        try:
            relative = image_path.expanduser().resolve().relative_to((self.path / "pages").resolve())
        except ValueError:
            return None
        if len(relative.parts) != 2 or not relative.stem.isdigit():
            return None
        pages = self.get_pages([page_key(relative.parts[0], int(relative.stem))])
        return pages[0].text[: self.settings.max_query_chars] if pages else None

    # reading ---------------------------------------------------------------------------------------
    def documents(self) -> list[DocumentInfo]:
        """Documents by name; a document still being added shows with status 'pending'."""
        complete = {row.name: row for row in self.catalog.complete_documents()}
        pending = {row.name: row for row in self.catalog.pending_documents() if row.name not in complete}
        return [row.info() for _, row in sorted({**pending, **complete}.items())]

    def pages(self, name: str) -> list[Page]:
        """All pages of a document, in order. KeyError if the library has no document of that name."""
        row = self.catalog.document(name)
        if row is None:
            raise KeyError(f"no document named {name!r} in {self.path}")
        return self.catalog.pages_of(row.doc_id)

    def get_pages(self, keys: Sequence[str]) -> list[Page]:
        """Pages by page key (`types.page_key`), in the order asked; unknown keys are skipped."""
        found = self.catalog.complete_pages(list(dict.fromkeys(keys)))
        return [found[key] for key in keys if key in found]

    # answering -------------------------------------------------------------------------------------
    def ask(self, question: str, history: Sequence[dict] | None = None, *, k: int | None = None,
            backend=None, docs: Sequence[str] | None = None) -> Answer:
        """The agentic answer loop (rag/); history is OpenAI-style messages (e.g. a saved conversation's
        `Conversations.history(id)`). `k`: pages per search (default settings.k); `backend`: an
        `rag.answerer.Answerer` or a backend name (default settings.llm_backend); `docs`: document names the
        answer may draw on (default: all)."""
        from .rag.agent import ask

        return ask(self._answering_view(docs), question, history, settings=self.settings, k=k, backend=backend)

    def iter_ask(self, question: str, history: Sequence[dict] | None = None, *, k: int | None = None,
                 backend=None, docs: Sequence[str] | None = None) -> Iterator[Step | Answer]:
        """Like `ask`, streaming the agent's steps and finally the Answer (for chat UIs)."""
        from .rag.agent import iter_ask

        return iter_ask(self._answering_view(docs), question, history, settings=self.settings, k=k,
                        backend=backend)
    def _answering_view(self, docs: Sequence[str] | None) -> "Library | ScopedLibrary":
        if docs is None:
            return self
        self._scope(docs)  # unknown names fail here, before any step runs
        return ScopedLibrary(self, [docs] if isinstance(docs, str) else list(docs))

    def conversations(self) -> Conversations:
        """The chats saved in this library (the app's sidebar lists them): list, read, continue, export."""
        if self._conversations is None:
            self._conversations = Conversations(self.path / CONVERSATIONS_FILE)
        return self._conversations

    # lifetime --------------------------------------------------------------------------------------
    def close(self) -> None:
        with self._mutex:
            if self._lock is None:
                return
            try:
                if self.catalog is not None:
                    self._record_lanes()
                for lane in self._lanes.values():
                    lane.close()
                self._lanes.clear()
                if self._conversations is not None:
                    self._conversations.close()
                if self.catalog is not None:
                    self.catalog.close()
            finally:
                self._lock.release()
                self._lock = None

    def __enter__(self) -> "Library":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Library({str(self.path)!r}, lanes={self.lanes})"


class ScopedLibrary:
    """A library seen through a choice of documents, handed to the answer loop by `Library.ask(docs=...)`:
    searches carry the scope into every lane's filter, and page reads and the document list stay inside it.
    Anything else (settings, lanes, path) is the library's own."""

    def __init__(self, library: Library, names: Sequence[str]) -> None:
        self._library = library
        self._names = list(dict.fromkeys(names))

    def search(self, text: str | None = None, k: int | None = None, **options) -> list[Hit]:
        return self._library.search(text, k, docs=self._names, **options)

    def documents(self) -> list[DocumentInfo]:
        return [doc for doc in self._library.documents() if doc.name in self._names]

    def pages(self, name: str) -> list[Page]:
        if name not in self._names:
            raise KeyError(f"{name!r} is outside the documents this question is limited to")
        return self._library.pages(name)

    def get_pages(self, keys: Sequence[str]) -> list[Page]:
        inside = {doc.doc_id for doc in self.documents()}
        return [page for page in self._library.get_pages(keys) if page.doc_id in inside]

    def __getattr__(self, name: str):
        return getattr(self._library, name)


def _same(stored_spec: dict, spec: dict) -> bool:
    normal = lambda value: json.dumps(value, sort_keys=True, default=str)  # noqa: E731
    return normal(stored_spec) == normal(spec)
