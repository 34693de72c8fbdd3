"""The text lane's incremental BM25 index: immutable segments on disk, a manifest in SQLite, one writer,
any number of readers (threads of this process or other processes).

Why segments (measured; numbers in README "Scale"): adding a document writes one small segment and one
SQLite transaction, so its cost follows the document, not the library; a query merges global statistics
(document frequency over live rows, average length) at query time, so ranking is exactly one BM25 over
the live pages with our k1/b and our term-pair signal (tantivy and SQLite FTS5 fix k1=1.2/b=0.75, and FTS5
scores every matching row). Deleting marks row ranges dead (`deleted`); merges (tiered, factor
`MERGE_FACTOR`, never past `MAX_MERGED_ROWS` rows) drop dead rows and keep the segment count logarithmic.

Files in the lane folder: `lexical.sqlite` (WAL: segments, docs -> row ranges, deleted ranges, region
terms, a generation counter) and `segments/seg-<id>/` (numpy arrays, memory-mapped by readers).
Crash safety: a segment folder is complete before the transaction that lists it commits (written under
`.tmp`, fsynced, renamed); a folder no transaction lists is an orphan the next writer deletes. Readers see
a new generation only once its transaction commits, and re-read the manifest if a merge removed a folder
they were about to open.
"""

from __future__ import annotations

import json
import math
import shutil
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ...storage import reader_connection
from .segments import Segment, pair_hashes, term_hashes
from .top_k import BoundParams, PartFallback, QueryTerm, TermPostings, top_k

MERGE_FACTOR = 10  # this many segments of one size tier are merged into one
MAX_MERGED_ROWS = 250_000  # no merge builds a bigger segment (bounds merge time and memory)

SCHEMA = """
PRAGMA journal_mode=WAL;
CREATE TABLE IF NOT EXISTS segments (id INTEGER PRIMARY KEY, rows INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS docs (doc_id TEXT NOT NULL, seg INTEGER NOT NULL, start INTEGER NOT NULL,
                                 stop INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS docs_doc ON docs (doc_id);
CREATE INDEX IF NOT EXISTS docs_seg ON docs (seg);
CREATE TABLE IF NOT EXISTS deleted (seg INTEGER NOT NULL, start INTEGER NOT NULL, stop INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS deleted_seg ON deleted (seg);
CREATE TABLE IF NOT EXISTS regions (key TEXT PRIMARY KEY, doc_id TEXT NOT NULL, terms TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS regions_doc ON regions (doc_id);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta VALUES ('generation', 0);
INSERT OR IGNORE INTO meta VALUES ('next_segment', 1);
"""


@dataclass(frozen=True)
class IndexedPage:
    """What the lexical index stores for one page: its analysed terms, each region's analysed terms, and
    the analysed terms of its furniture (running heads and feet), which count `furniture_weight` each."""

    key: str
    doc_id: str
    terms: list[str]
    regions: list[list[str]]
    furniture: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Part:
    seg_id: int
    segment: Segment
    offset: int  # first row of this segment in a snapshot's score array
    live: np.ndarray | None  # bool per row; None when no row is deleted


@dataclass
class Snapshot:
    """The index as of one committed generation. Immutable once built; searches hold one for a query."""

    generation: int
    parts: tuple[_Part, ...]
    k1: float
    b: float
    live_rows: int = 0
    _avg: dict[str, float] = field(default_factory=dict)
    _norms: dict[tuple[int, str], np.ndarray] = field(default_factory=dict)
    _df: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.live_rows = sum(p.segment.size if p.live is None else int(p.live.sum()) for p in self.parts)
        for name in ("uni", "bi"):
            total = sum(
                float(np.sum(getattr(p.segment, name).lengths, dtype=np.float64))
                if p.live is None
                else float(np.sum(getattr(p.segment, name).lengths[p.live], dtype=np.float64))
                for p in self.parts
            )
            self._avg[name] = max(total / self.live_rows, 1.0) if self.live_rows else 1.0

    @property
    def size(self) -> int:
        return self.parts[-1].offset + self.parts[-1].segment.size if self.parts else 0

    def _norm(self, index: int, name: str) -> np.ndarray:
        """k1 * (1 - b + b * length / average length) per row of one segment (made once per snapshot)."""
        with self._lock:
            norm = self._norms.get((index, name))
            if norm is None:
                lengths = getattr(self.parts[index].segment, name).lengths
                scale = np.float32(self.k1 * self.b / self._avg[name])
                norm = self._norms[(index, name)] = np.float32(self.k1 * (1 - self.b)) + scale * lengths
            return norm

    def document_frequency(self, term: str) -> int:
        """Live pages holding this analysed term (a unigram); remembered for the snapshot's lifetime."""
        found = self._df.get(term)
        if found is None:
            hashes = term_hashes([term])
            found = 0
            for part in self.parts:
                _, rows, _ = part.segment.uni.lookup(hashes)[0]
                found += len(rows) if part.live is None else int(np.count_nonzero(part.live[rows]))
            self._df[term] = found
        return found

    def scores(
        self,
        terms: Sequence[str],
        bigram_weight: float,
        extra: Mapping[str, float] | None = None,
        compounds: Sequence[Sequence[str]] = (),
        respelled: Sequence[tuple[str, str]] = (),
        respelled_weight: float = 1.0,
    ) -> np.ndarray:
        """BM25 of every row (dead rows 0): unigram BM25, plus the `extra` terms (a question's
        translations) each counted at its weight, plus `bigram_weight` times term-pair BM25; then each
        word counted once (`counted_once`): on the rows that lack its own term, its other terms' BM25 over
        their divisor (a compound's parts: `expEYES` -> exp + eyes, `t1enc.sty` -> t1enc + sty)."""
        out = self._sum(self._query_terms(terms, bigram_weight, extra))
        words = self.counted_once(compounds, respelled, respelled_weight)
        if words:
            extra = np.zeros(self.size, dtype=np.float32)
            for word, divisor in words:
                parts = self._sum(self._query_terms(word[1:], 0.0)) / divisor
                extra += np.where(self._sum(self._query_terms(word[:1], 0.0)) > 0, np.float32(0.0), parts)
            out += extra
        return out

    def counted_once(
        self,
        compounds: Sequence[Sequence[str]],
        respelled: Sequence[tuple[str, str]],
        respelled_weight: float,
    ) -> list[tuple[Sequence[str], np.float32]]:
        """The query's words counted once, each as (its own term, then its other terms) with the divisor of
        the others' BM25 on the rows that lack its own term. A compound word's parts score their mean. A
        word as another language's stemmer cuts it (`respelled`: `fuser` -> `fus` on a French page,
        translation.py) scores `respelled_weight` times its BM25, at most the idf of the question's own term
        where the library holds that term: a form rarer there than the word itself is likely another word
        of that language (`alternatives` -> German `alternativ`, "alternative", on one page of eval/xl's
        where the French pages hold `altern`)."""
        words = [(word, np.float32(len(word) - 1)) for word in compounds]
        if respelled_weight > 0:
            for own, there in respelled:
                weight = respelled_weight
                if self.document_frequency(own) and self.document_frequency(there):
                    weight *= min(1.0, self._idf(own) / self._idf(there))
                words.append(((own, there), np.float32(1 / weight)))
        return words

    def _idf(self, term: str) -> float:
        return float(idf(self.live_rows, self.document_frequency(term)))

    def _sum(self, query: list[QueryTerm]) -> np.ndarray:
        out = np.zeros(self.size, dtype=np.float32)
        for term in query:
            for posting in term.postings:
                out[self.parts[posting.part].offset :][posting.rows] += term.contributions(posting)
        return out

    def top(
        self,
        terms: Sequence[str],
        bigram_weight: float,
        k: int,
        allowed: np.ndarray | None = None,
        extra: Mapping[str, float] | None = None,
        compounds: Sequence[Sequence[str]] = (),
        respelled: Sequence[tuple[str, str]] = (),
        respelled_weight: float = 1.0,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The `k` rows of highest `scores` (ties: lower row first) and their scores, equal bit for bit to
        `scores` at those rows, without scoring every posting: rows of score 0, dead rows and rows outside
        `allowed` (bool per row) are left out (how: `top_k.py`)."""
        bounds = BoundParams(
            self.k1 * (1 - self.b), {n: self.k1 * self.b / avg for n, avg in self._avg.items()}
        )
        fallbacks = [
            PartFallback(
                next(iter(self._query_terms(word[:1], 0.0)), None), self._query_terms(word[1:], 0.0), divisor
            )
            for word, divisor in self.counted_once(compounds, respelled, respelled_weight)
        ]
        query = self._query_terms(terms, bigram_weight, extra)
        return top_k(self.parts, query, k, bounds, allowed, [f for f in fallbacks if f.parts])

    def _query_terms(
        self, terms: Sequence[str], bigram_weight: float, extra: Mapping[str, float] | None = None
    ) -> list[QueryTerm]:
        """The query's unigrams, then its `extra` terms that are not among them, then its term pairs, in
        order of first occurrence, each with its live postings per segment and its idf scale (idf * field
        weight * times the query holds it, or the extra term's weight)."""
        if not terms or not self.live_rows:
            return []
        hashes = term_hashes(list(terms))
        found = self._field_terms("uni", Counter(hashes.tolist()), 1.0)
        if extra:
            own = set(hashes.tolist())
            weights = dict(zip(term_hashes(list(extra)).tolist(), extra.values()))
            found += self._field_terms("uni", {h: w for h, w in weights.items() if h not in own}, 1.0)
        if bigram_weight and len(hashes) > 1:
            pairs = Counter(pair_hashes(hashes[:-1], hashes[1:]).tolist())
            found += self._field_terms("bi", pairs, bigram_weight)
        return found

    def _field_terms(self, name: str, counts: Mapping[int, float], weight: float) -> list[QueryTerm]:
        hashes = np.fromiter(counts, dtype=np.uint64, count=len(counts))
        found = [getattr(part.segment, name).lookup(hashes) for part in self.parts]
        out = []
        for t, h in enumerate(hashes.tolist()):
            chosen, df = [], 0
            for index, part in enumerate(self.parts):
                term_index, rows, tf = found[index][t]
                if not len(rows):
                    continue
                if part.live is not None:
                    keep = part.live[rows]
                    rows, tf = rows[keep], tf[keep]
                df += len(rows)
                chosen.append(TermPostings(index, term_index, rows, tf, self._norm(index, name)))
            if not df:
                continue
            out.append(QueryTerm(name, np.float32(idf(self.live_rows, df) * weight * counts[h]), chosen))
        return out

    def rows_of(self, doc_ids: Iterable[str]) -> np.ndarray:
        """Bool per row: the row is a page of one of these documents (page keys are `<doc_id>:<page>`)."""
        wanted = np.array(sorted(d.encode() for d in doc_ids), dtype=np.bytes_)
        if not self.parts:
            return np.zeros(0, dtype=bool)
        return np.concatenate([np.isin(p.segment.doc_ids(), wanted) for p in self.parts])

    def keys(self, rows: np.ndarray) -> list[str]:
        """Page keys of these rows (positions in the score array)."""
        offsets = np.array([p.offset for p in self.parts], dtype=np.int64)
        owner = np.searchsorted(offsets, rows, side="right") - 1
        return [
            self.parts[o].segment.keys[r - offsets[o]].decode() for o, r in zip(owner.tolist(), rows.tolist())
        ]


def idf(rows: int, df: int) -> np.float64:
    """BM25's inverse document frequency of a term on `df` of `rows` pages (Lucene's, never negative)."""
    return np.log1p((rows - df + 0.5) / (df + 0.5))


@dataclass(frozen=True)
class NewSegment:
    """Pages built into a segment, not yet committed: its rows are `docs` (doc id, page count) in order;
    `regions`: (page key, doc id, JSON list of region terms) per page."""

    segment: Segment
    docs: list[tuple[str, int]]
    regions: list[tuple[str, str, str]] = field(default_factory=list)


def build_segment(pages: Sequence[IndexedPage], furniture_weight: float = 1.0) -> NewSegment:
    """A segment of these pages, grouped by document. A furniture term adds `furniture_weight` to its
    term frequency and to the page's length (a content term 1). Pure, so it may run in another process."""
    order: dict[str, list[IndexedPage]] = {}
    for page in pages:
        order.setdefault(page.doc_id, []).append(page)
    grouped = [p for doc in order.values() for p in doc]
    weights = None
    if any(p.furniture for p in grouped):
        weights = [[1.0] * len(p.terms) + [furniture_weight] * len(p.furniture) for p in grouped]
    return NewSegment(
        Segment.build([p.key for p in grouped], [p.terms + p.furniture for p in grouped], weights),
        [(doc_id, len(doc_pages)) for doc_id, doc_pages in order.items()],
        [(p.key, p.doc_id, json.dumps([" ".join(r) for r in p.regions])) for p in grouped],
    )


class LexicalIndex:
    """Segments + manifest in `folder`. `writable=False` opens a reader that never writes a byte."""

    def __init__(self, folder: Path, *, k1: float, b: float, writable: bool = True) -> None:
        self.folder = folder
        self.k1, self.b = k1, b
        self.writable = writable
        self._segments_dir = folder / "segments"
        if writable:
            self._segments_dir.mkdir(parents=True, exist_ok=True)
        path = folder / "lexical.sqlite"
        self._read_db = reader_connection(path)
        self._read_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._write_db: sqlite3.Connection | None = None
        if writable:
            self._write_db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._write_db.execute("PRAGMA busy_timeout = 30000")
            self._write_db.executescript(SCHEMA)
            self._remove_orphans()
            self._add_block_maxima()
        self._read_db.execute("PRAGMA busy_timeout = 30000")
        self._snapshot: Snapshot | None = None
        self._loaded: dict[int, Segment] = {}

    # -- reading --------------------------------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        """The last committed state (re-read when another thread or process committed since)."""
        generation = self._read_generation()
        current = self._snapshot
        if current is not None and current.generation == generation:
            return current
        for _ in range(5):
            try:
                snap = self._load_snapshot()
            except FileNotFoundError:  # a merge removed a segment between reading the manifest and opening it
                continue
            if self._snapshot is None or snap.generation >= self._snapshot.generation:
                self._snapshot = snap
            return snap
        raise RuntimeError(f"the lexical index in {self.folder} keeps changing under this reader")

    def _read_generation(self) -> int:
        with self._read_lock:
            try:
                row = self._read_db.execute("SELECT value FROM meta WHERE name = 'generation'").fetchone()
            except sqlite3.OperationalError:  # a reader that came before the writer created the tables
                return -1
        return int(row[0]) if row else -1

    def _load_snapshot(self) -> Snapshot:
        with self._read_lock:
            try:
                self._read_db.execute("BEGIN")  # one consistent view of the three tables
                generation = self._read_db.execute(
                    "SELECT value FROM meta WHERE name = 'generation'"
                ).fetchone()
                segments = self._read_db.execute("SELECT id, rows FROM segments ORDER BY id").fetchall()
                deleted = self._read_db.execute("SELECT seg, start, stop FROM deleted").fetchall()
            except sqlite3.OperationalError:
                return Snapshot(-1, (), self.k1, self.b)
            finally:
                if self._read_db.in_transaction:
                    self._read_db.execute("COMMIT")
        dead: dict[int, list[tuple[int, int]]] = {}
        for seg, start, stop in deleted:
            dead.setdefault(seg, []).append((start, stop))
        parts, offset = [], 0
        for seg_id, rows in segments:
            segment = self._loaded.get(seg_id) or Segment.load(self._segment_dir(seg_id))
            live = None
            if seg_id in dead:
                live = np.ones(rows, dtype=bool)
                for start, stop in dead[seg_id]:
                    live[start:stop] = False
            parts.append(_Part(seg_id, segment, offset, live))
            offset += rows
        self._loaded = {p.seg_id: p.segment for p in parts}
        return Snapshot(int(generation[0]) if generation else -1, tuple(parts), self.k1, self.b)

    def regions(self, keys: Sequence[str]) -> dict[str, list[set[str]]]:
        """Analysed terms of each region of these pages."""
        if not keys:
            return {}
        with self._read_lock:
            try:
                rows = self._read_db.execute(
                    f"SELECT key, terms FROM regions WHERE key IN ({', '.join('?' * len(keys))})", list(keys)
                ).fetchall()
            except sqlite3.OperationalError:
                return {}
        return {key: [set(r.split()) for r in json.loads(terms)] for key, terms in rows}

    # -- writing --------------------------------------------------------------------------------------------

    def _writer(self) -> sqlite3.Connection:
        if self._write_db is None:
            raise PermissionError(f"the lexical index in {self.folder} was opened read-only")
        return self._write_db

    def add(self, pages: Sequence[IndexedPage], furniture_weight: float = 1.0) -> None:
        """Store pages (replacing every page of their documents already stored) in one commit (see
        `build_segment`)."""
        if pages:
            self.add_segment(build_segment(pages, furniture_weight))

    def add_segment(self, new: NewSegment) -> None:
        """Commit a built segment, replacing its documents' earlier pages."""
        segment, docs, regions = new.segment, new.docs, new.regions
        with self._write_lock:
            with self._committing(segment) as (db, seg_id):
                self._forget(db, [doc_id for doc_id, _ in docs])
                start = 0
                for doc_id, count in docs:
                    db.execute("INSERT INTO docs VALUES (?, ?, ?, ?)", (doc_id, seg_id, start, start + count))
                    start += count
                db.executemany("INSERT OR REPLACE INTO regions VALUES (?, ?, ?)", regions)
            self._merge_tiers()

    def delete(self, doc_ids: Sequence[str]) -> None:
        doc_ids = sorted(set(doc_ids))
        if not doc_ids:
            return
        db = self._writer()
        with self._write_lock, _transaction(db):
            if self._forget(db, doc_ids):
                db.execute("UPDATE meta SET value = value + 1 WHERE name = 'generation'")

    @staticmethod
    def _forget(db: sqlite3.Connection, doc_ids: Sequence[str]) -> bool:
        """Inside a transaction: mark every stored row of these documents dead. True when any was."""
        marks = ", ".join("?" * len(doc_ids))
        ranges = db.execute(
            f"SELECT seg, start, stop FROM docs WHERE doc_id IN ({marks})", doc_ids
        ).fetchall()
        db.executemany("INSERT INTO deleted VALUES (?, ?, ?)", ranges)
        db.execute(f"DELETE FROM docs WHERE doc_id IN ({marks})", doc_ids)
        db.execute(f"DELETE FROM regions WHERE doc_id IN ({marks})", doc_ids)
        return bool(ranges)

    # -- merging ------------------------------------------------------------------------------------------

    def _merge_tiers(self) -> None:
        """While some size tier holds MERGE_FACTOR segments, merge them (dead rows dropped). Caller holds
        the write lock. A segment more than half dead is rewritten alone once it is worth it."""
        while True:
            snap = self._load_snapshot()
            live = {p.seg_id: (p.segment.size if p.live is None else int(p.live.sum())) for p in snap.parts}
            tiers: dict[int, list[int]] = {}
            for part in snap.parts:
                tiers.setdefault(int(math.log(max(live[part.seg_id], 1), MERGE_FACTOR)), []).append(
                    part.seg_id
                )
            group = next(
                (
                    sorted(ids, key=live.get)[:MERGE_FACTOR]
                    for _, ids in sorted(tiers.items())
                    if len(ids) >= MERGE_FACTOR
                    and sum(sorted(live[i] for i in ids)[:MERGE_FACTOR]) <= MAX_MERGED_ROWS
                ),
                None,
            )
            if group is None:
                group = next(
                    (
                        [p.seg_id]
                        for p in snap.parts
                        if p.live is not None
                        and p.segment.size >= 1000
                        and live[p.seg_id] * 2 < p.segment.size
                    ),
                    None,
                )
            if group is None:
                return
            self._merge(snap, sorted(group))

    def _merge(self, snap: Snapshot, seg_ids: list[int]) -> None:
        parts = [p for p in snap.parts if p.seg_id in seg_ids]
        merged = Segment.merge(
            [
                (p.segment, np.flatnonzero(p.live) if p.live is not None else np.arange(p.segment.size))
                for p in parts
            ]
        )
        marks = ", ".join("?" * len(seg_ids))
        with self._committing(merged) as (db, seg_id):
            docs = db.execute(
                f"SELECT rowid, seg, start, stop FROM docs WHERE seg IN ({marks})", seg_ids
            ).fetchall()
            new_start: dict[int, np.ndarray] = {}  # per old segment: new row of each old row
            offset = 0
            for part in parts:
                alive = part.live if part.live is not None else np.ones(part.segment.size, dtype=bool)
                new_start[part.seg_id] = np.cumsum(alive) - 1 + offset
                offset += int(alive.sum())
            db.executemany(
                "UPDATE docs SET seg = ?, start = ?, stop = ? WHERE rowid = ?",
                [
                    (seg_id, int(new_start[seg][start]), int(new_start[seg][start]) + stop - start, rowid)
                    for rowid, seg, start, stop in docs
                ],
            )
            db.execute(f"DELETE FROM deleted WHERE seg IN ({marks})", seg_ids)
            db.execute(f"DELETE FROM segments WHERE id IN ({marks})", seg_ids)
        for old in seg_ids:  # readers that mapped these keep their mapping; new readers see the merged one
            shutil.rmtree(self._segment_dir(old), ignore_errors=True)

    @contextmanager
    def _committing(self, segment: Segment) -> Iterator[tuple[sqlite3.Connection, int]]:
        """Save `segment` under the next segment id, then run the block in the one transaction that lists
        it and moves the generation on; yields (connection, segment id). Caller holds the write lock. If
        the block raises, the transaction rolls back and the folder is removed (a crash leaves an orphan
        that `_remove_orphans` deletes)."""
        db = self._writer()
        seg_id = int(db.execute("SELECT value FROM meta WHERE name = 'next_segment'").fetchone()[0])
        target = self._segment_dir(seg_id)
        shutil.rmtree(target, ignore_errors=True)  # an orphan left by a crash before its commit
        segment.save(target)
        try:
            with _transaction(db):
                yield db, seg_id
                db.execute("INSERT INTO segments VALUES (?, ?)", (seg_id, segment.size))
                db.execute("UPDATE meta SET value = value + 1 WHERE name IN ('generation', 'next_segment')")
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise

    # -- files --------------------------------------------------------------------------------------------

    def _segment_dir(self, seg_id: int) -> Path:
        return self._segments_dir / f"seg-{seg_id}"

    def _add_block_maxima(self) -> None:
        """Segments written before block maxima existed get them (once; until then they are scored whole)."""
        for (seg_id,) in self._writer().execute("SELECT id FROM segments").fetchall():
            Segment.add_block_maxima(self._segment_dir(seg_id))

    def _remove_orphans(self) -> None:
        """Segment folders no committed transaction lists (a writer died between writing and committing)."""
        listed = {f"seg-{i}" for (i,) in self._writer().execute("SELECT id FROM segments")}
        for folder in self._segments_dir.iterdir():
            if folder.name not in listed:
                shutil.rmtree(folder, ignore_errors=True)

    def close(self) -> None:
        with self._write_lock, self._read_lock:
            if self._write_db is not None:
                self._write_db.close()
            self._read_db.close()
        self._snapshot = None
        self._loaded = {}


@contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE (the SQLite file's write lock); COMMIT after the block, ROLLBACK if it raises."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
