"""Retrieval metrics with binary gains: a ranking of page ids (e.g. (doc, page)) against a set of gold ids."""

from __future__ import annotations

import math
from collections.abc import Collection, Hashable, Sequence


def ndcg_at_k(ranked: Sequence[Hashable], gold: Collection[Hashable], k: int) -> float:
    """nDCG@k: DCG of the ranking's top k over the DCG of an ideal ranking (all gold pages first)."""
    if not gold:
        raise ValueError("nDCG is undefined without gold pages")
    dcg = sum(1.0 / math.log2(rank + 2) for rank, key in enumerate(_unique(ranked)[:k]) if key in gold)
    ideal = sum(1.0 / math.log2(rank + 2) for rank in range(min(k, len(gold))))
    return dcg / ideal


def recall_at_k(ranked: Sequence[Hashable], gold: Collection[Hashable], k: int) -> float:
    """Fraction of the gold pages found in the top k."""
    if not gold:
        raise ValueError("recall is undefined without gold pages")
    return len(set(_unique(ranked)[:k]) & set(gold)) / len(set(gold))


def reciprocal_rank(ranked: Sequence[Hashable], gold: Collection[Hashable]) -> float:
    """1 / rank of the first gold page (0 when none is retrieved)."""
    for rank, key in enumerate(_unique(ranked), start=1):
        if key in gold:
            return 1.0 / rank
    return 0.0


def _unique(ranked: Sequence[Hashable]) -> list[Hashable]:
    """The ranking with repeats dropped (a page counts once, at its best rank)."""
    return list(dict.fromkeys(ranked))
