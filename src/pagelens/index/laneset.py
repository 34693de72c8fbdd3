"""The lanes a library has open: creating them, keeping them in step with the catalog, fan-out and fusion.

A lane's record in the catalog holds its spec (model ids, versions) and the Chroma collections it uses:
- a lane new to the library is filled from the stored pages; a lane whose spec changed has its collections
  and side stores dropped and is re-embedded; an unchanged lane is left alone (`sync`);
- before a session's first change, lanes the library has but this session did not open are marked stale,
  so the next session that opens one re-embeds it instead of serving vectors that miss the change
  (`retire_unopened`);
- while a lane is being (re)filled its record says `incomplete`, so an interrupted fill is redone.
With a `LaneQueue`, background lanes (`Lane.background`) are never written here: `index` and a fill put
their pages in the queue, `delete` cancels queued pages first (index/lane_queue.py says why in that order).
In a read-only library (`read_only` says why: another process writes it, or its file system is read-only)
nothing is synced or written; a lane that cannot be searched from this process (its vectors are in an
embedded Chroma this process may not open, or it is not fully embedded) is left out of `searchable`, and
asking for it raises QueryError saying why.
The lanes themselves come from a factory (the lane registry), passed in so this layer imports no lane.
"""

from __future__ import annotations

import json
import logging
import shutil
import sys
from collections.abc import Callable, Sequence

from ..config import Settings
from ..errors import QueryError, StoreUnavailableError
from ..layout import LibraryLayout
from ..types import Page
from .catalog import Catalog, LaneRecord
from .chroma import ChromaHandle
from .fusion import FusedHit, fuse
from .lane import Lane, LaneContext, Query, TermStatistics
from .lane_queue import LaneQueue
from .languages import tagged
from .prepared import PagePreparer

log = logging.getLogger(__name__)

LaneFactory = Callable[[str, LaneContext], Lane]


class LaneSet:
    def __init__(
        self,
        names: Sequence[str],
        *,
        settings: Settings,
        catalog: Catalog,
        chroma: ChromaHandle,
        layout: LibraryLayout,
        factory: LaneFactory,
        read_only: str | None = None,
        queue: LaneQueue | None = None,
    ) -> None:
        self._settings, self._catalog, self._chroma = settings, catalog, chroma
        self._queue = queue
        self._layout, self._factory = layout, factory
        self._names = list(names)
        self._read_only = read_only  # set: why this process only reads (e.g. "pid 12 writes this library")
        self._lanes: dict[str, Lane] = {}
        self._unavailable: dict[str, str] = {}  # lane -> why this read-only process cannot search it
        self._lane_chroma: dict[str, ChromaHandle] = {}
        self._stale_marked = False
        try:
            for name in names:
                try:
                    self._lanes[name] = self._create(name)
                except StoreUnavailableError as err:
                    if read_only is None:
                        raise
                    self._unavailable[name] = str(err)
        except BaseException:
            self.close()
            raise

    @property
    def names(self) -> list[str]:
        return list(self._names)

    @property
    def searchable(self) -> list[str]:
        """The lanes this process can search (all of them, unless it only reads; see the module docstring)."""
        return [name for name in self._names if name in self._lanes]

    def check_readable(self, stored: dict[str, LaneRecord]) -> None:
        """Read-only: set aside lanes whose stored spec is not this lane's (the writer is still filling or
        re-embedding them), and say once which lanes this process cannot search."""
        for name in list(self._lanes):
            record = stored.get(name)
            if record is None or not _same(record.spec, self._lanes[name].spec()):
                self._lanes.pop(name).close()
                self._unavailable[name] = (
                    f"it is not fully embedded and this process only reads ({self._read_only}); "
                    "open the library again once the writer has finished"
                )
        if self._unavailable:
            log.warning(
                "read-only (%s); lanes not searchable here: %s",
                self._read_only,
                "; ".join(f"{n}: {why}" for n, why in self._unavailable.items()),
            )

    @property
    def background(self) -> list[str]:
        """The open lanes whose pages go through the queue (none without one)."""
        if self._queue is None:
            return []
        return [name for name, lane in self._lanes.items() if lane.background]

    def __getitem__(self, name: str) -> Lane:
        return self._lanes[name]

    # fan-out ---------------------------------------------------------------------------------------
    def preparer(self) -> PagePreparer | None:
        """What the worker rendering a file may compute for these lanes (None: the lanes do it all in
        `index`); background lanes prepare nothing there (their pages are queued)."""
        background = self.background
        found = {
            name: p
            for name, lane in self._lanes.items()
            if name not in background and (p := lane.preparer()) is not None
        }
        return PagePreparer(found) if found else None

    def index(self, pages: Sequence[Page], prepared: dict[str, object] | None = None) -> None:
        """Index whole documents' pages in the foreground lanes and queue them for the background lanes;
        `prepared`: lane name -> its preparer's result for these pages (`PreparedPages.lanes`), stored as
        it is (the other lanes compute their own)."""
        background = self.background
        for name, lane in self._lanes.items():
            if name in background:
                continue
            if prepared is not None and name in prepared:
                lane.index_prepared(prepared[name])
            else:
                lane.index(pages)
        if background:
            self._queue.enqueue(background, pages)

    def delete(self, doc_ids: Sequence[str]) -> None:
        if self._queue is not None and doc_ids:
            self._queue.cancel(doc_ids)
        for lane in self._lanes.values():
            lane.delete(doc_ids)

    def search(self, query: Query, chosen: Sequence[str], depth: int) -> list[FusedHit]:
        """Each chosen lane's best `depth` pages, fused by weighted reciprocal-rank fusion."""
        refused = [
            f"lane {name} cannot be searched from this process: {self._unavailable[name]}"
            for name in chosen
            if name in self._unavailable
        ]
        if refused or not chosen:
            raise QueryError(
                "; ".join(refused)
                or "no lane of this library can be searched from this process: "
                + "; ".join(f"{n}: {why}" for n, why in self._unavailable.items())
            )
        ranked = {name: self._lanes[name].search(query, depth) for name in chosen}
        return fuse(ranked, weights=self._settings.fusion_weights, rrf_k=self._settings.rrf_k)

    def term_statistics(self) -> TermStatistics | None:
        """The first lane's term statistics that keeps them (None when none does)."""
        return next((s for lane in self._lanes.values() if (s := lane.term_statistics()) is not None), None)

    # keeping the catalog's lane records true -------------------------------------------------------
    def sync(self, stored: dict[str, LaneRecord]) -> None:
        """Fill lanes new to this library; drop and re-embed those whose spec changed; leave the rest."""
        for name in self._lanes:
            self._sync(name, stored.get(name))

    def retire_unopened(self) -> None:
        """Call before this session's first change (see the module docstring); later calls do nothing."""
        if self._stale_marked:
            return
        for record in self._catalog.lanes().values():
            if record.name not in self._lanes:
                log.warning("lane %s is not open: it will be re-embedded when next used", record.name)
                self._catalog.set_lane(record.name, {"stale": True}, record.collections)
        self._stale_marked = True

    def record(self) -> None:
        """Remember the collections each lane uses (lanes may create them lazily)."""
        stored = self._catalog.lanes()
        for name, chroma in self._lane_chroma.items():
            record = stored.get(name)
            if record is not None and not chroma.used <= set(record.collections):
                self._catalog.set_lane(name, record.spec, set(record.collections) | chroma.used)

    def close(self) -> None:
        for lane in self._lanes.values():
            lane.close()
        self._lanes.clear()

    # inside ----------------------------------------------------------------------------------------
    def _create(self, name: str) -> Lane:
        chroma = self._lane_chroma[name] = self._chroma.scoped()
        folder = self._layout.lane_folder(name)
        if self._read_only is None:
            folder.mkdir(parents=True, exist_ok=True)
        return self._factory(
            name,
            LaneContext(
                settings=self._settings, chroma=chroma, folder=folder, read_only=self._read_only is not None
            ),
        )

    def _sync(self, name: str, stored: LaneRecord | None) -> None:
        lane = self._lanes[name]
        spec = lane.spec()
        if stored is not None and _same(stored.spec, spec):
            return
        if stored is not None:
            log.warning("lane %s changed (%s -> %s): re-embedding it", name, stored.spec, spec)
            lane.close()
            for collection in set(stored.collections) | self._lane_chroma[name].used:
                self._chroma.delete_collection(collection)
            shutil.rmtree(self._layout.lane_folder(name), ignore_errors=True)
            if self._queue is not None:
                self._queue.drop_lane(name)
            lane = self._lanes[name] = self._create(name)
            spec = lane.spec()
        background = name in self.background
        from tqdm import tqdm

        incomplete = {"incomplete": True}
        self._catalog.set_lane(name, incomplete, self._lane_chroma[name].used)
        for row in tqdm(
            self._catalog.complete_documents(),
            desc=f"embedding lane {name}",
            unit="doc",
            disable=not sys.stderr.isatty(),
            file=sys.stderr,
            leave=False,
        ):
            pages = self._catalog.pages_of(row.doc_id)
            untold = [p for p in pages if not p.language and p.text.strip()]
            if untold:  # pages stored before languages were detected: detect and keep them now
                self._catalog.store_languages([tagged(p) for p in untold])
            if background:
                self._queue.enqueue([name], pages)
            else:
                lane.index(pages)
            self._catalog.set_lane(name, incomplete, self._lane_chroma[name].used)
        self._catalog.set_lane(name, spec, self._lane_chroma[name].used)


def _same(stored_spec: dict, spec: dict) -> bool:
    normal = lambda value: json.dumps(value, sort_keys=True, default=str)  # noqa: E731
    return normal(stored_spec) == normal(spec)
