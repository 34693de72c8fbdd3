"""Weighted reciprocal-rank fusion: scores, weights, provenance per lane, region choice."""

import pytest

from pagelens.index.fusion import fuse
from pagelens.index.lane import LaneHit
from pagelens.types import LaneRank


def test_one_lane_passes_its_scores_through():
    fused = fuse({"text": [LaneHit("a:00001", 0.9), LaneHit("a:00002", 0.4, region=3)]})
    assert [(h.key, h.score) for h in fused] == [
        ("a:00001", pytest.approx(0.9)),
        ("a:00002", pytest.approx(0.4)),
    ]
    assert fused[1].lanes == {"text": LaneRank(rank=2, score=pytest.approx(0.4))}
    assert fused[1].region == 3


def test_two_lanes_sum_reciprocal_ranks_and_record_where_each_found_the_page():
    fused = fuse(
        {"text": [LaneHit("p1", 9.0), LaneHit("p2", 8.0)], "dse": [LaneHit("p2", 0.7), LaneHit("p3", 0.6)]},
        rrf_k=60,
    )
    by_key = {h.key: h for h in fused}
    assert fused[0].key == "p2"  # found by both lanes
    assert by_key["p2"].score == pytest.approx(1 / 62 + 1 / 61)
    assert by_key["p1"].score == pytest.approx(1 / 61)
    assert by_key["p2"].lanes == {"text": LaneRank(2, 8.0), "dse": LaneRank(1, pytest.approx(0.7))}
    assert set(by_key["p3"].lanes) == {"dse"}


def test_weights_shift_the_order():
    ranked = {"text": [LaneHit("p1", 1.0)], "dse": [LaneHit("p2", 1.0)]}
    assert fuse(ranked, weights={"dse": 2.0})[0].key == "p2"
    assert fuse(ranked, weights={"text": 2.0})[0].key == "p1"


def test_region_comes_from_the_lane_that_ranked_the_page_highest():
    fused = fuse({"a": [LaneHit("x", 1.0), LaneHit("p", 0.5, region=1)], "b": [LaneHit("p", 0.9, region=4)]})
    assert {h.key: h.region for h in fused}["p"] == 4


def test_a_lane_listing_a_page_twice_counts_once():
    fused = fuse({"a": [LaneHit("p", 1.0), LaneHit("p", 0.5)], "b": [LaneHit("q", 1.0)]}, rrf_k=60)
    assert {h.key: h.score for h in fused}["p"] == pytest.approx(1 / 61)
