"""Weighted reciprocal-rank fusion of several lanes' ranked hits, remembering who found what where."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..types import LaneRank
from .lane import LaneHit


@dataclass
class FusedHit:
    key: str
    score: float
    lanes: dict[str, LaneRank] = field(default_factory=dict)
    region: int | None = None  # region index from the best-ranked lane that reported one


def fuse(
    ranked: Mapping[str, Sequence[LaneHit]], *, weights: Mapping[str, float] | None = None, rrf_k: int = 60
) -> list[FusedHit]:
    """Best first. One lane: its own scores pass through. Several: score = sum of weight / (rrf_k + rank).

    A lane missing from `weights` weighs 1.0.
    """
    weights = weights or {}
    fused: dict[str, FusedHit] = {}
    region_rank: dict[str, int] = {}
    single = len(ranked) == 1
    for lane, hits in ranked.items():
        weight = weights.get(lane, 1.0)
        for rank, hit in enumerate(hits, start=1):
            entry = fused.setdefault(hit.key, FusedHit(hit.key, 0.0))
            if lane in entry.lanes:  # a lane listing a page twice: keep its best rank
                continue
            entry.lanes[lane] = LaneRank(rank=rank, score=float(hit.score), why=hit.why)
            entry.score += float(hit.score) if single else weight / (rrf_k + rank)
            if hit.region is not None and rank < region_rank.get(hit.key, 1 << 30):
                entry.region, region_rank[hit.key] = hit.region, rank
    return sorted(fused.values(), key=lambda h: (-h.score, min(r.rank for r in h.lanes.values()), h.key))
