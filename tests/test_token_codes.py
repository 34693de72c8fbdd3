"""Token codes of the colpali lanes (lanes/visual/token_codes.py): int8 round trips, pooling sizes, and
pooled MaxSim that keeps the ranking of pages whose tokens repeat (as blank margins and text lines do)."""

import numpy as np
import pytest

from pagelens.lanes.visual.token_codes import TokenCodec, pool_tokens


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def test_int8_codes_round_trip_within_half_a_step_and_take_dim_plus_two_bytes():
    tokens = unit(np.random.default_rng(0).standard_normal((50, 128)))
    codec = TokenCodec(1, "int8")
    stored = codec.encode(tokens)
    assert stored.dtype == np.int8 and stored.shape == (50, 130)
    step = np.abs(tokens).max(axis=1, keepdims=True) / 127
    assert np.all(np.abs(codec.decode(stored) - tokens) <= step * 0.5 + 1e-3)


def test_float16_without_pooling_stores_the_tokens():
    tokens = unit(np.random.default_rng(1).standard_normal((7, 16)))
    stored = TokenCodec().encode(tokens)
    assert stored.dtype == np.float16 and np.allclose(TokenCodec().decode(stored), tokens, atol=1e-3)


@pytest.mark.parametrize("n,factor", [(1030, 3), (10, 4), (2, 2), (5, 1)])
def test_pooling_keeps_ceil_n_over_factor_unit_vectors(n, factor):
    tokens = unit(np.random.default_rng(2).standard_normal((n, 32)))
    pooled = pool_tokens(tokens, factor)
    expected = n if n < 3 else -(-n // factor)
    assert pooled.shape == (expected, 32)
    assert np.allclose(np.linalg.norm(pooled, axis=1), 1, atol=1e-5)


def test_pooled_near_duplicate_tokens_rank_pages_as_the_full_tokens_do():
    rng = np.random.default_rng(3)
    centres = unit(rng.standard_normal((40, 64)))
    pages, queries = [], []
    for p in range(20):
        own = rng.choice(40, 6, replace=False)
        pages.append(unit(centres[rng.choice(own, 300)] + 0.02 * rng.standard_normal((300, 64))))
        queries.append(unit(centres[rng.choice(own, 8)] + 0.05 * rng.standard_normal((8, 64))))

    def best(query, stored):
        return int(np.argmax([(query @ page.T).max(axis=1).sum() for page in stored]))

    codec = TokenCodec(4, "int8")
    small = [codec.decode(codec.encode(page)) for page in pages]
    assert all(best(q, small) == best(q, pages) for q in queries)
    with pytest.raises(ValueError):
        TokenCodec(0)
