"""Pruned top-k (block maxima, lanes/text/top_k.py) against exhaustive BM25 over generated segments: the
same rows and the same float32 scores, for random queries, deletions, scopes, furniture weights, term
pairs, weighted extra terms (translations), compound words and segments written before block maxima
existed."""

from __future__ import annotations

import dataclasses

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pagelens.lanes.text.bm25_index import Snapshot, _Part
from pagelens.lanes.text.segments import LONG_POSTINGS, BlockMaxima, Segment, term_hashes

VOCABULARY = [f"w{n}" for n in range(80)]
HASHES = term_hashes(VOCABULARY)
K = 100


def make_segment(rng: np.random.Generator, rows: int, first: int) -> Segment:
    """Pages of Zipf-drawn words (a few on nearly every page, a long tail), lengths 1-400, some tokens
    weighted as furniture."""
    lengths = rng.integers(1, 400, size=rows)
    weights = 1.0 / np.arange(1, len(VOCABULARY) + 1) ** 1.1
    ids = rng.choice(len(VOCABULARY), size=int(lengths.sum()), p=weights / weights.sum())
    furniture = np.where(rng.random(len(ids)) < 0.05, 0.75, 1.0)
    keys = [f"d{(first + r) // 20}:{(first + r) % 20 + 1}" for r in range(rows)]
    return Segment.from_term_ids(keys, ids, lengths, HASHES, furniture)


def without_blocks(segment: Segment) -> Segment:
    return dataclasses.replace(
        segment,
        uni=dataclasses.replace(segment.uni, blocks=None),
        bi=dataclasses.replace(segment.bi, blocks=None),
    )


def expected_top(scores: np.ndarray, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    scores = np.where(allowed, scores, np.float32(0))
    order = np.lexsort((np.arange(len(scores)), -scores))[:K]
    order = order[scores[order] > 0]
    return order, scores[order]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    sizes=st.lists(st.integers(1, 1500), min_size=1, max_size=3),
    query=st.lists(st.integers(0, len(VOCABULARY) + 5), min_size=1, max_size=9),
    bigram_weight=st.sampled_from([0.0, 0.4]),
    compound=st.booleans(),
    translated=st.booleans(),
    deleted=st.booleans(),
    scoped=st.booleans(),
    old=st.booleans(),
)
def test_pruned_top_k_equals_exhaustive_scoring(
    seed, sizes, query, bigram_weight, compound, translated, deleted, scoped, old
):
    rng = np.random.default_rng(seed)
    parts, offset = [], 0
    for n, size in enumerate(sizes):
        segment = make_segment(rng, size, offset)
        if old and n == 0:
            segment = without_blocks(segment)
        live = rng.random(size) > 0.3 if deleted else None
        parts.append(_Part(n, segment, offset, live))
        offset += size
    snapshot = Snapshot(1, tuple(parts), 1.5, 0.5)
    terms = [VOCABULARY[i] if i < len(VOCABULARY) else f"absent{i}" for i in query]
    compounds = [[terms[0], *(VOCABULARY[i] for i in rng.integers(0, 40, size=2))]] if compound else []
    allowed = rng.random(offset) > 0.5 if scoped else None
    extra = (
        {VOCABULARY[i]: float(w) for i, w in zip(rng.integers(0, 80, size=3), rng.random(3))}
        if translated
        else None
    )
    # a word as another language stems it, counted once at a weight that is not a part count's inverse
    respelled = [(terms[-1], VOCABULARY[int(rng.integers(0, 40))])] if compound else []
    rows, scores = snapshot.top(terms, bigram_weight, K, allowed, extra, compounds, respelled, 0.7)
    live = np.concatenate([p.live if p.live is not None else np.ones(p.segment.size, bool) for p in parts])
    want_rows, want_scores = expected_top(
        snapshot.scores(terms, bigram_weight, extra, compounds, respelled, 0.7),
        live if allowed is None else live & allowed,
    )
    assert rows.tolist() == want_rows.tolist()
    assert scores.tobytes() == want_scores.tobytes()


def test_large_segments_prune_and_still_equal_exhaustive_scoring():
    """Long lists (thousands of postings) where the pruning skips most of them."""
    rng = np.random.default_rng(3)
    parts, offset = [], 0
    for n in range(3):
        segment = make_segment(rng, 6000, offset)
        parts.append(_Part(n, segment, offset, None))
        offset += 6000
    snapshot = Snapshot(1, tuple(parts), 1.5, 0.5)
    assert parts[0].segment.uni.blocks is not None and len(parts[0].segment.uni.blocks.terms) > 10
    for _ in range(30):
        terms = [VOCABULARY[i] for i in rng.integers(0, len(VOCABULARY), size=int(rng.integers(2, 8)))]
        rows, scores = snapshot.top(terms, 0.4, K)
        want_rows, want_scores = expected_top(snapshot.scores(terms, 0.4), np.ones(offset, bool))
        assert rows.tolist() == want_rows.tolist()
        assert scores.tobytes() == want_scores.tobytes()


def test_block_maxima_survive_saving_merging_and_are_added_to_old_segments(tmp_path):
    rng = np.random.default_rng(5)
    first, second = make_segment(rng, 1200, 0), make_segment(rng, 900, 1200)
    first.save(tmp_path / "a")
    loaded = Segment.load(tmp_path / "a")
    assert loaded.uni.blocks is not None
    for name in BlockMaxima.__dataclass_fields__:
        assert np.array_equal(getattr(loaded.uni.blocks, name), getattr(first.uni.blocks, name))
    merged = Segment.merge([(first, np.arange(0, 1200, 2)), (second, np.arange(900))])
    rebuilt = BlockMaxima.of(merged.uni.starts, merged.uni.rows, merged.uni.tf, merged.uni.lengths)
    assert merged.uni.blocks is not None and np.array_equal(merged.uni.blocks.tf, rebuilt.tf)
    assert np.diff(merged.uni.starts).max() >= LONG_POSTINGS  # some term has blocks to keep
    # a segment saved before block maxima: loads without them, a writer adds them in place
    without_blocks(second).save(tmp_path / "old")
    assert Segment.load(tmp_path / "old").uni.blocks is None
    assert Segment.add_block_maxima(tmp_path / "old")
    upgraded = Segment.load(tmp_path / "old")
    assert np.array_equal(upgraded.bi.blocks.ratio, second.bi.blocks.ratio)
    assert not Segment.add_block_maxima(tmp_path / "old")


def test_a_word_and_its_respelled_form_count_once():
    """A question's word and its stem in a page's language (`pinger`, French `ping`): a page holding only
    the other form scores it at the weight given, a page holding both scores the word alone."""
    segment = Segment.build(["d:1", "d:2", "d:3"], [["pinger", "ping", "x"], ["ping", "x", "y"], ["z", "x"]])
    snapshot = Snapshot(1, (_Part(0, segment, 0, None),), 1.5, 0.5)
    own, other = snapshot.scores(["pinger"], 0.0), snapshot.scores(["ping"], 0.0)
    both = snapshot.scores(["pinger"], 0.0, respelled=[("pinger", "ping")], respelled_weight=0.5)
    assert both[0] == own[0] and both[1] == np.float32(other[1] / np.float32(2)) and both[2] == 0


def test_a_respelled_form_rarer_than_the_word_weighs_no_more_than_the_word():
    """`alternatives` is `altern` on three pages and German `alternativ` (another word) on one: the page
    holding only that form scores it at the idf of `altern`, not at its own higher one."""
    pages = [["altern", "a"], ["altern", "b"], ["altern", "c"], ["alternativ", "d"], ["e"], ["f"]]
    segment = Segment.build([f"d:{n}" for n in range(1, 7)], pages)
    snapshot = Snapshot(1, (_Part(0, segment, 0, None),), 1.5, 0.5)
    both = snapshot.scores(["altern"], 0.0, respelled=[("altern", "alternativ")])
    own, other = snapshot.scores(["altern"], 0.0), snapshot.scores(["alternativ"], 0.0)
    assert both[0] == own[0] and 0 < both[3] < other[3]
    assert np.isclose(both[3], own[0], rtol=1e-5)  # the same length and term frequency: the same score
