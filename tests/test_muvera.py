"""MUVERA FDEs: equal to a plain per-partition loop, and FDE candidates + exact rerank match exact MaxSim."""

import numpy as np
import pytest

from pagelens.lanes.visual.muvera import FdeConfig, Muvera, maxsim


def reference_fde(m: Muvera, tokens: np.ndarray, document: bool) -> np.ndarray:
    """The definition, one repetition and one partition at a time."""
    c = m.config
    out = np.zeros((c.reps, c.partitions, c.d_proj), np.float32)
    for r in range(c.reps):
        bits = tokens @ m.hyperplanes[:, r * c.k_sim : (r + 1) * c.k_sim] > 0
        part = (bits * (2 ** np.arange(c.k_sim))).sum(axis=1)
        projected = tokens @ m.projection[:, r * c.d_proj : (r + 1) * c.d_proj]
        for p in range(c.partitions):
            inside = part == p
            if inside.any():
                out[r, p] = projected[inside].mean(0) if document else projected[inside].sum(0)
            elif document:  # empty: the token whose sketch is nearest in Hamming distance
                code = (p >> np.arange(c.k_sim)) & 1
                out[r, p] = projected[np.argmin((bits != code).sum(axis=1))]
    return out.ravel()


def test_fde_matches_definition():
    rng = np.random.default_rng(1)
    m = Muvera(FdeConfig(dim=32, k_sim=3, d_proj=8, reps=4))
    sets = [rng.standard_normal((n, 32)).astype(np.float32) for n in (1, 2, 7, 40)]
    docs, queries = m.encode_documents(sets), m.encode_queries(sets)
    assert docs.shape == (4, m.config.fde_dim) == (4, 4 * 8 * 8)
    for i, tokens in enumerate(sets):
        np.testing.assert_allclose(docs[i], reference_fde(m, tokens, True), atol=1e-5)
        np.testing.assert_allclose(queries[i], reference_fde(m, tokens, False), atol=1e-4)
    # queries leave empty partitions at zero; documents never do
    assert (queries[0].reshape(4, 8, 8) == 0).all(axis=2).any()
    assert not (docs[0].reshape(4, 8, 8) == 0).all(axis=2).any()


def test_final_projection_shape():
    m = Muvera(FdeConfig(dim=16, k_sim=2, d_proj=4, reps=3, final_dim=10))
    assert m.encode_documents([np.ones((3, 16), np.float32)]).shape == (1, 10)


def clustered_corpus(rng, n_docs=600, n_tokens=120, dim=64, n_centers=200, per_doc=10):
    centers = rng.standard_normal((n_centers, dim)).astype(np.float32)
    centers /= np.linalg.norm(centers, axis=1, keepdims=True)
    topics = [rng.choice(n_centers, per_doc, replace=False) for _ in range(n_docs)]
    docs = []
    for topic in topics:
        t = centers[rng.choice(topic, n_tokens)] + 0.1 * rng.standard_normal((n_tokens, dim)).astype(
            np.float32
        )
        docs.append(t / np.linalg.norm(t, axis=1, keepdims=True))
    queries = []
    for d in rng.integers(0, n_docs, 30):
        q = centers[rng.choice(topics[d], 16)] + 0.1 * rng.standard_normal((16, dim)).astype(np.float32)
        queries.append(q / np.linalg.norm(q, axis=1, keepdims=True))
    return docs, queries


def test_fde_candidates_plus_rerank_recall_vs_exact_maxsim():
    rng = np.random.default_rng(0)
    docs, queries = clustered_corpus(rng)
    m = Muvera(FdeConfig(dim=64, k_sim=4, d_proj=16, reps=20))
    fdes = m.encode_documents(docs)
    recalls = []
    for q in queries:
        exact = np.array([maxsim(q, d) for d in docs])
        truth = set(np.argsort(-exact)[:10])
        candidates = np.argsort(-(fdes @ m.encode_queries([q])[0]))[:60]  # 10% of the corpus
        reranked = sorted(candidates, key=lambda i: -exact[i])[:10]
        recalls.append(len(truth & set(reranked)) / 10)
    assert np.mean(recalls) >= 0.95, np.mean(recalls)


def test_empty_set_is_an_error():
    with pytest.raises(ValueError):
        Muvera(FdeConfig(dim=4, k_sim=2, d_proj=4, reps=2)).encode_documents([np.zeros((0, 4), np.float32)])
