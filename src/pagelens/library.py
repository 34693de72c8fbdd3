"""`Library`: the public face of pagelens (a folder with an embedded Chroma, page images and a catalog).

Every file and folder name inside the library comes from `layout.LibraryLayout`; the lanes are a
`index.laneset.LaneSet`; adding and removing (with the crash-safe pending/complete ledger) is
`index.writer.Writer`; the visual lanes encode behind an add on a thread, from a queue on disk
(`index.background.BackgroundLanes`); answering is `rag.agent`. This class only wires them together and checks input.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path

from .analysis import CorpusStats
from .config import Settings
from .conversations import Conversations
from .errors import DocumentNotFoundError, LibraryLockedError, QueryError, ReadOnlyLibraryError, SettingsError
from .index.background import BackgroundLanes, LaneProgress
from .index.catalog import Catalog
from .index.chroma import ChromaHandle, UnavailableChroma
from .index.lane import Query
from .index.lane_queue import LaneQueue
from .index.laneset import LaneSet
from .index.lock import LibraryLock, busy_message, unwritable, unwritable_message
from .index.lock import holder as lock_holder
from .index.search import search_pages
from .index.writer import Writer
from .ingest.batch import Runner
from .ingest.progress import ProgressCallback
from .inputs import capped_text, check_pixels, open_query_image
from .lanes.registry import create_lane, lane_names
from .lanes.visual.cost import estimated_seconds, resolve_max_pixels
from .language import DEFAULT, detect
from .layout import LibraryLayout
from .types import AddReport, Answer, Corpus, DocumentInfo, Hit, Page, Step, page_key


class Library:
    def __init__(
        self,
        path: str | Path | None = None,
        *,
        lanes: Sequence[str] | None = None,
        settings: Settings | None = None,
    ) -> None:
        """Open (or create) the library folder `path` (default: `settings.library`).

        `lanes`: lane names to use; left out, the library's remembered lanes (else `settings.lanes`).
        A lane that is new to the library is filled from the stored pages; a lane whose spec (model,
        version) changed is dropped and re-embedded; other lanes are untouched.
        """
        settings = settings or Settings.from_env()
        self.path = Path(path if path is not None else settings.library).expanduser().resolve()
        self.layout = LibraryLayout(self.path)
        self._mutex = threading.RLock()  # add, remove and close one at a time; searches never take it
        self._closed = False
        self._lock: LibraryLock | None = None
        self._unwritable = False  # the folder cannot be written at all (read-only file system)
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            self._lock = LibraryLock.try_acquire(self.layout.lock)
        except OSError as err:
            if not unwritable(err) or not self.layout.catalog.is_file():
                raise ReadOnlyLibraryError(f"cannot open a library at {self.path}: {err.strerror}") from err
            self._unwritable = True
        self._writer_pid = (
            None if self._lock is not None or self._unwritable else lock_holder(self.layout.lock)
        )
        self._catalog: Catalog | None = None
        self._lanes: LaneSet | None = None
        self._conversations: Conversations | None = None
        self._queue: LaneQueue | None = None
        self._background: BackgroundLanes | None = None
        try:
            self._catalog = Catalog(
                self.layout.catalog, self.path, writable=not self.read_only, read_only=self._unwritable
            )
            stored = self._catalog.lanes()
            names = lane_names(lanes if lanes is not None else (list(stored) or settings.lanes))
            if not names:
                raise SettingsError("a library needs at least one lane (e.g. lanes=['text'])")
            self.settings = settings.replace(library=self.path, lanes=names)
            pixels = resolve_max_pixels(self.settings, names, {name: r.spec for name, r in stored.items()})
            self.settings = self.settings.replace(max_pixels=pixels)
            if self.read_only and not self.settings.chroma_url:
                self._chroma = UnavailableChroma(self._chroma_why())
            else:
                self._chroma = ChromaHandle.open(
                    folder=self.layout.chroma,
                    url=self.settings.chroma_url,
                    namespace=f"pl{self._catalog.library_id()}-",
                )
            self._queue = LaneQueue(
                self.layout.lane_queue, writable=not self.read_only, immutable=self._unwritable
            )
            self._lanes = LaneSet(
                names,
                settings=self.settings,
                catalog=self._catalog,
                chroma=self._chroma,
                layout=self.layout,
                factory=create_lane,
                read_only=self._read_only_why(),
                queue=self._queue,
            )
            self._background = BackgroundLanes(
                self._queue,
                self._lanes,
                self._catalog,
                batch=self.settings.batch_size,
                estimate=lambda lane: estimated_seconds(lane, self.settings),
            )
            self._writer = Writer(
                settings=self.settings, catalog=self._catalog, lanes=self._lanes, layout=self.layout
            )
            if self.read_only:
                self._lanes.check_readable(stored)
            else:
                self._writer.clean_pending()
                self._lanes.sync(stored)
        except BaseException:
            self.close()
            raise

    @property
    def lanes(self) -> list[str]:
        return self._lanes.names

    @property
    def read_only(self) -> bool:
        """True when another process held the write lock as this one opened the library: searching and
        asking work (on the last complete state, refreshed as the writer commits); add/remove raise
        LibraryLockedError. Also True for a library whose folder cannot be written (a read-only mount):
        add/remove then raise ReadOnlyLibraryError. Without a Chroma server such a library searches only what it can read from
        the library folder (the text lane's BM25 and term pairs)."""
        return self._lock is None

    def _refuse_if_read_only(self) -> None:
        if self._unwritable:
            raise ReadOnlyLibraryError(unwritable_message(self.path))
        if self.read_only:
            raise LibraryLockedError(busy_message(self.path, self._writer_pid or "unknown"))

    def _read_only_why(self) -> str | None:
        if self._unwritable:
            return "the library's folder cannot be written"
        return f"pid {self._writer_pid} writes this library" if self.read_only else None

    def _chroma_why(self) -> str:
        if self._unwritable:
            return (
                "which needs a writable folder; this one cannot be written, so only the lanes that read "
                "from the library folder search (copy the library to writable storage for the others)"
            )
        return (
            f"which only the process writing the library (pid {self._writer_pid}) may open; set "
            "PAGELENS_CHROMA_URL (a `chroma run` server) in both processes to share them, or search after "
            "that process closes the library"
        )

    # writing ---------------------------------------------------------------------------------------
    def add(
        self,
        paths: Iterable[str | Path] | str | Path,
        *,
        replace: bool = False,
        progress: bool | None = None,
        on_progress: ProgressCallback | None = None,
        runner: Runner | None = None,
    ) -> AddReport:
        """Ingest files and folders (recursive). Unchanged files are a no-op.

        A different file under the name of a document already in the library replaces it only with
        `replace=True` ("updated"); otherwise it is added as `name (2).ext` and its outcome's `reason`
        says so. A file under a new name whose bytes are already a document's is not added twice: its
        outcome is "unchanged", with the reason "already in the library as X" (`sync` adds it anyway). A full disk fails the file that met it and the later ones with a "disk full" reason
        (the report is kept; the library stays as it was and still opens).

        Files given directly are named by their file name; files found under a folder by their path
        relative to it (posix). Unsupported files inside folders are skipped; given directly they fail.
        `settings.workers` files render at once (sandboxed workers); this thread writes the library. The
        report lists files in the order given. `progress`: a tqdm bar in pages on stderr with pages/s
        and ETA (default: only when stderr is a terminal). `on_progress(AddProgress)` is called on this
        thread at the start, as pages are counted and rendered, and as each file finishes. `runner`:
        where files render (default: local workers); `pagelens.ingest.ray_runner.RayRunner(address)`
        renders them on a Ray cluster, and the library is written here exactly as after a local render.
        """
        self._refuse_if_read_only()
        self.encode_in_background()
        with self._mutex:
            return self._writer.add(
                [paths] if isinstance(paths, (str, Path)) else paths,
                replace=replace,
                progress=progress,
                on_progress=on_progress,
                runner=runner,
            )

    def sync(
        self,
        folder: str | Path,
        *,
        settle_s: float = 0.0,
        progress: bool | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> AddReport:
        """Make the library mirror `folder`: new and changed files added, renamed files renamed (by content
        hash, not ingested again), documents whose file is gone removed; only documents that came from
        `folder` are touched. Files modified less than `settle_s` seconds ago are reported `busy` and left
        for a later sync (see index/sync.py). Names are paths relative to `folder`, as `add` gives them."""
        from .index.sync import sync_folder

        self._refuse_if_read_only()
        self.encode_in_background()
        with self._mutex:
            return sync_folder(
                self._writer,
                self._catalog,
                folder,
                library_root=self.path,
                follow_links=self.settings.follow_links,
                settle_s=settle_s,
                progress=progress,
                on_progress=on_progress,
            )

    def remove(self, name: str) -> bool:
        """Remove a document (by its name) from every lane, the catalog and the image store."""
        self._refuse_if_read_only()
        with self._mutex:
            return self._writer.remove(name)

    # background lanes ------------------------------------------------------------------------------
    def encode_in_background(self) -> None:
        """Start encoding the visual lanes' queued pages on a thread of this process (resuming what a
        crashed or closed process left); `add` and `sync` start it themselves, the app when it opens.
        A file is searchable by the text lane as soon as `add` has it; the visual lanes follow. Only the
        process writing the library encodes (elsewhere this does nothing)."""
        if not self.read_only:
            self._background.start()

    def wait_for_lanes(self, timeout: float | None = None) -> bool:
        """Encode the visual lanes' queued pages and return True once none is left; False after `timeout`
        seconds, when a lane's encoder failed (`lane_progress` says why) or the library is read-only."""
        return not self.read_only and self._background.wait(timeout)

    def lane_progress(self) -> list[LaneProgress]:
        """How far each open visual lane is: `.line()` reads "visual lane clip: 120/500 pages" (empty for
        a library with the text lane alone). Read-only processes see the writer's progress."""
        return self._background.progress()

    # searching -------------------------------------------------------------------------------------
    def search(
        self,
        text: str | None = None,
        k: int | None = None,
        *,
        image=None,
        caption: str | None = None,
        lanes: Sequence[str] | None = None,
        docs: Sequence[str] | None = None,
    ) -> list[Hit]:
        """Ranked pages for a text query, an image (PDV composed query), or both.

        `image`: a PIL image or a path to one; `caption`: what the image shows (the base text of a composed
        query; default: the text of the library page the image is, else none). `lanes`: a subset of this
        library's lanes (default: all), fused by weighted reciprocal-rank fusion (`settings.fusion_weights`,
        `settings.rrf_k`). `docs`: document names to search within (default: all); every lane filters by
        them before ranking. Raises QueryError (a ValueError) for an empty query, k <= 0, a lane this
        library does not have, or an unknown document.
        """
        query = self._query(text, image, caption)
        scope = self._scope(docs)
        if scope is not None:
            query = replace(query, docs=frozenset(scope))
        query = replace(query, languages=tuple(self._catalog.languages(scope)))
        k = self.settings.k if k is None else k
        if isinstance(k, bool) or not isinstance(k, int) or k <= 0:
            raise QueryError(f"k must be a positive whole number, got {k!r}")
        chosen = self._lanes.searchable if lanes is None else lane_names(lanes)
        unknown = [name for name in chosen if name not in self.lanes]
        if unknown or (not chosen and lanes is not None):  # none searchable here: the lane set says why
            raise QueryError(
                f"lanes {unknown or chosen} are not open in this library; open lanes: {self.lanes}"
            )
        return search_pages(
            self._lanes, self._catalog, query, chosen, k, scope=scope, fold=self.settings.fold_overlays
        )

    def search_notes(self, text: str, docs: Sequence[str] | None = None) -> list[str]:
        """What the text lane does with a question asked in another language than some of the pages: the
        dictionary translations it adds, or which dictionary to install (shown in the answer's search
        steps). Empty when the question and the pages share one language or the text lane is not open."""
        if "text" not in self.lanes or not text or not text.strip():
            return []
        languages = tuple(self._catalog.languages(self._scope(docs)))
        return self._lanes["text"].translate(text, detect(text) or DEFAULT, languages).notes

    def _scope(self, docs: Sequence[str] | None) -> dict[str, int] | None:
        """Doc id -> page count of the named documents; None for the whole library."""
        if docs is None:
            return None
        names = [docs] if isinstance(docs, str) else list(dict.fromkeys(docs))
        if not names:
            raise QueryError("docs is empty: name at least one document, or leave docs out to search all")
        rows = {name: self._catalog.document(name) for name in names}
        unknown = [name for name, row in rows.items() if row is None]
        if unknown:
            raise QueryError(f"no document named {', '.join(map(repr, unknown))} in this library")
        return {row.doc_id: row.pages for row in rows.values()}

    def _query(self, text: str | None, image, caption: str | None = None) -> Query:
        if text is not None and not isinstance(text, str):
            raise QueryError(f"the query text must be a string, got {type(text).__name__}")
        text = capped_text(text, self.settings.max_query_chars) if text else None
        if image is None and not text:
            raise QueryError("empty query: give some text, an image, or both")
        if image is not None and hasattr(image, "convert"):
            check_pixels(image.size, self.settings.max_page_pixels)
        elif image is not None:
            if caption is None:
                caption = self._page_text_of_image(Path(image))
            image = open_query_image(image, self.settings.max_page_pixels)
        return Query(text=text or None, image=image, caption=" ".join(caption.split()) if caption else None)

    def _page_text_of_image(self, image_path: Path) -> str | None:
        """The text of the library page whose screenshot `image_path` is (a page used as a reference)."""
        found = self.layout.page_of_image(image_path)
        pages = self.get_pages([page_key(*found)]) if found else []
        return pages[0].text[: self.settings.max_query_chars] if pages else None

    # reading ---------------------------------------------------------------------------------------
    def documents(self) -> list[DocumentInfo]:
        """Documents by name; a document still being added shows with status 'pending', one whose pages a
        visual lane has still to encode says how many in `queued`."""
        complete = {row.name: row for row in self._catalog.complete_documents()}
        pending = {row.name: row for row in self._catalog.pending_documents() if row.name not in complete}
        queued = self._queue.counts()
        open_lanes = self._lanes.background
        return [
            replace(
                row.info(),
                queued={
                    lane: queued[lane][row.doc_id]
                    for lane in open_lanes
                    if row.doc_id in queued.get(lane, {})
                },
            )
            for _, row in sorted({**pending, **complete}.items())
        ]

    def pages(self, name: str) -> list[Page]:
        """All pages of a document, in order. DocumentNotFoundError (a KeyError) if there is none."""
        row = self._catalog.document(name)
        if row is None:
            raise DocumentNotFoundError(f"no document named {name!r} in this library")
        return self._catalog.pages_of(row.doc_id)

    def get_pages(self, keys: Sequence[str]) -> list[Page]:
        """Pages by page key (`types.page_key`), in the order asked; unknown keys are skipped."""
        found = self._catalog.complete_pages(list(dict.fromkeys(keys)))
        return [found[key] for key in keys if key in found]

    def statistics(self) -> CorpusStats:
        """Document frequencies of analysed terms over the complete pages (the answerer's idf weights):
        read from the text lane's index when the library has one (no page is re-read, so the cost does not
        follow the library's size), else counted from the pages; made again when the documents changed."""
        from .rag.lexical import library_stats

        return library_stats(self, self._lanes.term_statistics())

    # answering -------------------------------------------------------------------------------------
    def ask(
        self,
        question: str,
        history: Sequence[dict] | None = None,
        *,
        k: int | None = None,
        backend=None,
        docs: Sequence[str] | None = None,
    ) -> Answer:
        """The agentic answer loop (rag/); history is OpenAI-style messages (e.g. a saved conversation's
        `Conversations.history(id)`). `k`: pages per search (default settings.k); `backend`: an
        `rag.answerer.Answerer` or a backend name (default settings.llm_backend); `docs`: document names the
        answer may draw on (default: all)."""
        from .rag.agent import ask

        return ask(
            self._answering_view(docs), question, history, settings=self.settings, k=k, backend=backend
        )

    def iter_ask(
        self,
        question: str,
        history: Sequence[dict] | None = None,
        *,
        k: int | None = None,
        backend=None,
        docs: Sequence[str] | None = None,
    ) -> Iterator[Step | Answer]:
        """Like `ask`, streaming the agent's steps and finally the Answer (for chat UIs)."""
        from .rag.agent import iter_ask

        return iter_ask(
            self._answering_view(docs), question, history, settings=self.settings, k=k, backend=backend
        )

    def _answering_view(self, docs: Sequence[str] | None) -> Corpus:
        if docs is None:
            return self
        self._scope(docs)  # unknown names fail here, before any step runs
        return ScopedLibrary(self, [docs] if isinstance(docs, str) else list(docs))

    def conversations(self) -> Conversations:
        """The chats saved in this library (the app's sidebar lists them): list, read, continue, export."""
        if self._conversations is None:
            self._conversations = Conversations(self.layout.conversations)
        return self._conversations

    # lifetime --------------------------------------------------------------------------------------
    def close(self) -> None:
        with self._mutex:
            if self._closed:
                return
            self._closed = True
            try:
                if self._background is not None:
                    self._background.close()
                if self._lanes is not None:
                    if self._catalog is not None and not self.read_only:
                        self._lanes.record()
                    self._lanes.close()
                if self._catalog is not None:
                    self._catalog.close()
                if self._queue is not None:
                    self._queue.close()
                if self._conversations is not None:
                    self._conversations.close()
            finally:
                if self._lock is not None:
                    self._lock.release()

    def __enter__(self) -> "Library":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Library({str(self.path)!r}, lanes={self.lanes if self._lanes else []})"


class ScopedLibrary:
    """A library seen through a choice of documents, the `Corpus` that `Library.ask(docs=...)` hands to the
    answer loop: searches carry the scope into every lane's filter, and page reads and the document list
    stay inside it. It offers the `Corpus` methods and nothing else of the library."""

    def __init__(self, library: Library, names: Sequence[str]) -> None:
        self._library = library
        self._names = list(dict.fromkeys(names))

    def search(self, text: str | None = None, k: int | None = None, **options) -> list[Hit]:
        """`Library.search` inside the scope (`options`: its image, caption, lanes)."""
        return self._library.search(text, k, docs=self._names, **options)

    def search_notes(self, text: str) -> list[str]:
        """`Library.search_notes` for the languages of the scope's pages."""
        return self._library.search_notes(text, docs=self._names)

    def documents(self) -> list[DocumentInfo]:
        return [doc for doc in self._library.documents() if doc.name in self._names]

    def pages(self, name: str) -> list[Page]:
        if name not in self._names:
            raise DocumentNotFoundError(f"{name!r} is outside the documents this question is limited to")
        return self._library.pages(name)

    def get_pages(self, keys: Sequence[str]) -> list[Page]:
        inside = {doc.doc_id for doc in self.documents()}
        return [page for page in self._library.get_pages(keys) if page.doc_id in inside]

    def statistics(self) -> CorpusStats:
        """The whole library's statistics: a term weighs the same in a scoped question as in any other
        (and the library's cache serves it, where a new view each question would miss its own)."""
        return self._library.statistics()
