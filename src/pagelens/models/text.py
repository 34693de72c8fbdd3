"""The offline "text" lane: BM25 over analysed page text, fused with wordllama passage vectors in Chroma.

Why this shape (measured on ../shared/eval/dev; numbers in the issue's closing note):
- BM25 does most of the work; code-aware tokens, stemming and query-side question words lift it from
  nDCG@5 0.772 to ~0.83; BM25 over adjacent term pairs (weight 0.4) adds a phrase signal (~0.85).
  `b=0.5` suits pages whose lengths vary a lot (slides next to dense manual pages).
- wordllama vectors are weak alone (0.51) and reciprocal-rank fusion drags BM25 down, so dense only
  nudges: `bm25 / max(bm25) + w * cosine` with a small `w` (raw cosine: no per-query min-max, whose
  result would depend on how many passages were fetched).
- Dense vectors are taken per passage (80-word windows) and max-pooled to the page: a
  static embedding of a whole page averages its topic away, a passage keeps it.

Storage: the analysed terms live in SQLite (`terms.sqlite` in the lane folder), Chroma holds the passage
vectors (ids `<page key>#<n>`, metadata doc_id/page). bm25s has no incremental add, so a change bumps a
generation counter and the next search rebuilds the BM25 matrices from the stored terms (no re-analysis;
vectorised in `bm25_fast.py`) and saves them next to the database, so reopening a library loads them.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import bm25s
import numpy as np
import wordllama

from ..index.lane import Lane, LaneContext, LaneHit, Query
from ..types import Page
from .base import delete_documents
from .bm25_fast import TermIndex
from .tokenize import ANALYZER_VERSION, analyze
from .wordllama_loader import WORDLLAMA_CONFIG, WORDLLAMA_DIM, load_wordllama


@dataclass(frozen=True)
class TextLaneParams:
    k1: float = 1.5
    b: float = 0.5
    bigram_weight: float = 0.4  # BM25 over adjacent-term pairs, added to the unigram BM25 score
    passage_words: int = 80
    passage_stride: int = 80
    dense_weight: float = 0.15  # weight of the best passage cosine next to max-normalised BM25
    dense_passages: int = 200  # passages fetched from Chroma per query
    bm25_candidates: int = 100  # pages from BM25 considered for fusion (plus every page dense found)


def create_lane(name: str, ctx: LaneContext) -> "TextLane":
    if name != "text":
        raise ValueError(f"the text lane takes no option, got {name!r}")
    return TextLane(ctx, TextLaneParams(dense_weight=ctx.settings.text_dense_weight))


def passages(text: str, words: int, stride: int) -> list[str]:
    """Overlapping windows of `words` words every `stride` words (one window for a short page)."""
    tokens = text.split()
    if len(tokens) <= words:
        return [" ".join(tokens)] if tokens else []
    starts = range(0, len(tokens) - words + stride, stride)
    return [" ".join(tokens[start:start + words]) for start in starts]


class TextLane(Lane):
    name = "text"

    def __init__(self, ctx: LaneContext, params: TextLaneParams) -> None:
        self.params = params
        self.folder = ctx.folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self._chroma = ctx.chroma
        self._collection = ctx.chroma.collection(self._collection_name(), metadata={"lane": "text"})
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.folder / "terms.sqlite", check_same_thread=False)
        self._db.executescript("""
            PRAGMA journal_mode=WAL;
            CREATE TABLE IF NOT EXISTS pages (key TEXT PRIMARY KEY, doc_id TEXT NOT NULL, terms TEXT NOT NULL,
                                              regions TEXT NOT NULL DEFAULT '[]');
            CREATE INDEX IF NOT EXISTS pages_doc ON pages (doc_id);
            CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
            INSERT OR IGNORE INTO meta VALUES ('generation', 0);
        """)
        self._bm25: TermIndex | None = None
        self._keys: list[str] = []
        self._built_generation = -1

    def _collection_name(self) -> str:
        p = self.params
        return f"lane-text-wordllama-{WORDLLAMA_CONFIG}-{WORDLLAMA_DIM}-p{p.passage_words}s{p.passage_stride}"

    def spec(self) -> dict:
        return {
            "lane": "text",
            "dense": {"model": f"wordllama/{WORDLLAMA_CONFIG}", "dim": WORDLLAMA_DIM,
                      "version": wordllama.__version__},
            "analyzer": ANALYZER_VERSION,
            "bm25": {"version": bm25s.__version__, "method": "lucene"},
            "params": asdict(self.params),
        }

    # -- writing ------------------------------------------------------------------------------------------

    def index(self, pages: Sequence[Page]) -> None:
        if not pages:
            return
        doc_ids = sorted({p.doc_id for p in pages})
        chunk_ids: list[str] = []
        chunk_texts: list[str] = []
        chunk_meta: list[dict] = []
        for page in pages:
            chunks = passages(page.text, self.params.passage_words, self.params.passage_stride)
            for n, chunk in enumerate(chunks):
                chunk_ids.append(f"{page.key}#{n}")
                chunk_texts.append(chunk)
                chunk_meta.append({"doc_id": page.doc_id, "page": page.page, "key": page.key})
        rows = [(p.key, p.doc_id, " ".join(analyze(p.text)),
                 json.dumps([" ".join(analyze(r.text)) for r in p.regions])) for p in pages]
        vectors = (load_wordllama().embed(chunk_texts, norm=True) if chunk_texts
                   else np.zeros((0, WORDLLAMA_DIM)))
        with self._lock:
            # a re-indexed document may have fewer pages or passages now
            delete_documents(self._collection, doc_ids)
            for start in range(0, len(chunk_ids), self._chroma.max_batch):
                end = start + self._chroma.max_batch
                self._collection.upsert(ids=chunk_ids[start:end], embeddings=vectors[start:end].tolist(),
                                        metadatas=chunk_meta[start:end])
            with self._db:
                self._db.execute(f"DELETE FROM pages WHERE doc_id IN ({_marks(doc_ids)})", doc_ids)
                self._db.executemany("INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?)", rows)
                self._db.execute("UPDATE meta SET value = value + 1 WHERE name = 'generation'")

    def delete(self, doc_ids: Sequence[str]) -> None:
        doc_ids = sorted(set(doc_ids))
        if not doc_ids:
            return
        with self._lock:
            delete_documents(self._collection, doc_ids)
            with self._db:
                self._db.execute(f"DELETE FROM pages WHERE doc_id IN ({_marks(doc_ids)})", doc_ids)
                self._db.execute("UPDATE meta SET value = value + 1 WHERE name = 'generation'")

    # -- searching ----------------------------------------------------------------------------------------

    def search(self, query: Query, k: int) -> list[LaneHit]:
        if not query.text or not query.text.strip() or k <= 0:
            return []
        with self._lock:
            model, keys = self._bm25_model()
            if not keys:
                return []
            terms = analyze(query.text, query=True)
            bm25 = model.scores(terms, self.params.bigram_weight)
            if query.docs is not None:  # the scope filters the whole score vector before any top-k is taken
                bm25 = np.where([query.allows(key) for key in keys], bm25, 0.0)
            dense = self._dense_page_scores(query)
        depth = min(self.params.bm25_candidates, len(bm25))
        top_bm25 = np.argpartition(-bm25, depth - 1)[:depth]  # unordered: the fusion sorts
        best = float(bm25.max())
        fused: dict[str, float] = {}
        for i in top_bm25:
            if bm25[i] > 0:
                fused[keys[i]] = float(bm25[i]) / best
        if dense:
            floor = min(dense.values())  # pages beyond the fetched passages score at most this
            for key in fused.keys() | dense.keys():
                fused[key] = fused.get(key, 0.0) + self.params.dense_weight * dense.get(key, floor)
        ranked = sorted(fused.items(), key=lambda item: (-item[1], item[0]))[:k]
        with self._lock:
            region_terms = self._region_terms([key for key, _ in ranked])
        query_terms = set(terms)
        return [LaneHit(key=key, score=score, region=_best_region(region_terms.get(key, []), query_terms))
                for key, score in ranked]

    def _dense_page_scores(self, query: Query) -> dict[str, float]:
        """Best passage cosine per page, over the passages nearest to the query (in `query.docs` if set)."""
        count = self._collection.count()
        if count == 0:
            return {}
        vector = load_wordllama().embed([query.text], norm=True)[0]
        found = self._collection.query(query_embeddings=[vector.tolist()],
                                       n_results=min(self.params.dense_passages, count),
                                       where=query.chroma_where(), include=["distances", "metadatas"])
        scores: dict[str, float] = {}
        for meta, distance in zip(found["metadatas"][0], found["distances"][0]):
            key = str(meta["key"])
            scores[key] = max(scores.get(key, -1.0), 1.0 - float(distance))
        return scores

    def _region_terms(self, keys: list[str]) -> dict[str, list[set[str]]]:
        if not keys:
            return {}
        rows = self._db.execute(f"SELECT key, regions FROM pages WHERE key IN ({_marks(keys)})", keys)
        return {key: [set(r.split()) for r in json.loads(regions)] for key, regions in rows}

    # -- the BM25 matrix ----------------------------------------------------------------------------------

    def _generation(self) -> int:
        return int(self._db.execute("SELECT value FROM meta WHERE name = 'generation'").fetchone()[0])

    def _bm25_model(self) -> tuple[TermIndex, list[str]]:
        generation = self._generation()
        if self._bm25 is not None and self._built_generation == generation:
            return self._bm25, self._keys
        if not self._load_saved(generation):
            self._rebuild(generation)
        return self._bm25, self._keys

    def _saved_dir(self, generation: int) -> Path:
        return self.folder / f"bm25-{generation}"

    def _load_saved(self, generation: int) -> bool:
        saved = self._saved_dir(generation)
        keys_file = saved / "keys.json"
        if not keys_file.is_file():
            return False
        try:
            self._bm25 = TermIndex.load(saved)
            self._keys = json.loads(keys_file.read_text())
        except (OSError, ValueError):
            return False
        self._built_generation = generation
        return True

    def _rebuild(self, generation: int) -> None:
        rows = self._db.execute("SELECT key, terms FROM pages ORDER BY key").fetchall()
        self._keys = [key for key, _ in rows]
        model = TermIndex.build([terms.split() for _, terms in rows], k1=self.params.k1, b=self.params.b)
        if rows:
            self._save(model, generation)
        self._bm25 = model
        self._built_generation = generation

    def _save(self, model: TermIndex, generation: int) -> None:
        """Write the matrices to `bm25-<generation>/`; keys.json last, so a half-written folder is ignored."""
        target = self._saved_dir(generation)
        shutil.rmtree(target, ignore_errors=True)
        model.save(target)
        tmp = target / "keys.json.tmp"
        tmp.write_text(json.dumps(self._keys))
        os.replace(tmp, target / "keys.json")
        for old in self.folder.glob("bm25-*"):
            if old != target:
                shutil.rmtree(old, ignore_errors=True)

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _best_region(regions: list[set[str]], query_terms: set[str]) -> int | None:
    """Index of the region sharing most query terms (None when no region shares any)."""
    overlaps = [len(terms & query_terms) for terms in regions]
    if not overlaps or max(overlaps) == 0:
        return None
    return int(np.argmax(overlaps))


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" for _ in values)
