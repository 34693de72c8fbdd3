"""A small real lane for library tests: hashed bag-of-words vectors in a Chroma collection.

It exercises the same Chroma paths as the model lanes (upsert by page key, delete by doc_id, cosine
query) without loading a model, so library behaviour is tested apart from the text lane's quality.
Subprocess tests import it with `tests/` on sys.path and call `register()`.
"""

from __future__ import annotations

import os
import re
import time
import zlib
from collections.abc import Sequence

import numpy as np

from pagelens.index.lane import Lane, LaneContext, LaneHit, Query
from pagelens.lanes.registry import register_lane

DIM = 128
INDEX_DELAY_ENV = "WORD_LANE_INDEX_DELAY_S"  # lets a kill -9 test catch an add mid-way through the lanes


def embed(text: str) -> list[float]:
    vector = np.zeros(DIM, dtype=np.float32)
    for token in re.findall(r"[a-z0-9]+", text.lower()):
        vector[zlib.crc32(token.encode()) % DIM] += 1.0
    vector[0] += 1e-3  # never the zero vector (cosine undefined)
    return (vector / np.linalg.norm(vector)).tolist()


class WordLane(Lane):
    calls: list[tuple[str, str]] = []  # (lane name, what), across instances, for tests that count work

    def __init__(self, name: str, ctx: LaneContext, version: int = 1) -> None:
        self.name, self.version = name, version
        self.ctx = ctx
        safe = re.sub(r"[^A-Za-z0-9._-]", "-", name)
        self.collection = ctx.chroma.collection(f"lane-{safe}-v{version}", metadata={"lane": name})

    def spec(self) -> dict:
        return {"lane": "words", "dim": DIM, "version": self.version}

    def index(self, pages: Sequence) -> None:
        WordLane.calls.append((self.name, "index"))
        delay = float(os.environ.get(INDEX_DELAY_ENV, "0"))
        for start in range(0, len(pages), self.ctx.chroma.max_batch):
            batch = pages[start : start + self.ctx.chroma.max_batch]
            for _ in batch:
                time.sleep(delay)
            self.collection.upsert(
                ids=[p.key for p in batch],
                embeddings=[embed(p.text) for p in batch],
                metadatas=[{"doc_id": p.doc_id, "page": p.page} for p in batch],
            )

    def delete(self, doc_ids: Sequence[str]) -> None:
        self.collection.delete(where={"doc_id": {"$in": list(doc_ids)}})

    def search(self, query: Query, k: int) -> list[LaneHit]:
        found = self.collection.query(
            query_embeddings=[embed(query.text or "")],
            n_results=k,
            where=query.chroma_where(),
            include=["distances"],
        )
        return [LaneHit(key, 1.0 - distance) for key, distance in zip(found["ids"][0], found["distances"][0])]


def factory(version: int = 1):
    return lambda name, ctx: WordLane(name, ctx, version=version)


def register(family: str = "words", version: int = 1) -> None:
    register_lane(family, factory(version))
