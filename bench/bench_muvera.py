"""MUVERA candidates + exact MaxSim rerank vs exact MaxSim over every page, same run, same data.

Synthetic multi-vector pages that look like ColPali output: 128-d unit token vectors around shared
"visual word" centres (each page draws from one topic's centres plus page-wide background centres, as
white margins and body text do), stored float16 (10,000 x 1,000 x 128 x 2 B = 2.56 GB, built in chunks).
Queries are ~32 tokens near some of one page's centres. Recall@10 is against the exact MaxSim top 10.
Candidate search here is a brute-force FDE dot product in numpy (the lane uses Chroma's HNSW over the
same FDEs); both methods use the same torch MaxSim kernel, so the ratio measures the candidate filter.

    .venv/bin/python bench/bench_muvera.py --pages 10000 --tokens 1000
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from pagelens.lanes.visual.muvera import FdeConfig, Muvera

DIM = 128


def build_corpus(rng, pages, tokens, topics, centres_per_topic, background):
    centres = rng.standard_normal((topics * centres_per_topic + background, DIM)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    noise_bank = (0.35 / np.sqrt(DIM) * rng.standard_normal((1 << 20, DIM))).astype(np.float32)
    corpus = np.empty((pages, tokens, DIM), np.float16)
    page_centres = []
    for p in range(pages):
        topic = rng.integers(topics)
        own = topic * centres_per_topic + rng.choice(centres_per_topic, 12, replace=False)
        shared = topics * centres_per_topic + rng.choice(background, 4, replace=False)
        page_centres.append(own)
        pick = np.where(rng.random(tokens) < 0.4, rng.choice(shared, tokens), rng.choice(own, tokens))
        start = rng.integers(0, len(noise_bank) - tokens)
        t = centres[pick] + noise_bank[start : start + tokens]
        corpus[p] = t / np.linalg.norm(t, axis=1, keepdims=True)
    return corpus, centres, page_centres


def build_queries(rng, centres, page_centres, count, length=32):
    queries = []
    for p in rng.integers(0, len(page_centres), count):
        picks = rng.choice(page_centres[p], length)
        q = centres[picks] + (0.5 / np.sqrt(DIM)) * rng.standard_normal((length, DIM)).astype(np.float32)
        queries.append((q / np.linalg.norm(q, axis=1, keepdims=True)).astype(np.float32))
    return queries


def maxsim_scores(query: torch.Tensor, pages: np.ndarray, chunk: int = 256) -> np.ndarray:
    """Exact MaxSim of one query against pages (n, tokens, dim) float16, in float32 chunks."""
    out = np.empty(len(pages), np.float32)
    for start in range(0, len(pages), chunk):
        block = torch.from_numpy(np.asarray(pages[start : start + chunk])).float()  # (c, t, d)
        out[start : start + chunk] = (block @ query.T).amax(dim=1).sum(dim=1).numpy()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=10_000)
    ap.add_argument("--tokens", type=int, default=1_000)
    ap.add_argument("--queries", type=int, default=20)
    ap.add_argument("--candidates", type=int, default=200)
    ap.add_argument("--k-sim", type=int, default=4)
    ap.add_argument("--d-proj", type=int, default=16)
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)

    t0 = time.perf_counter()
    corpus, centres, page_centres = build_corpus(
        rng, args.pages, args.tokens, topics=max(10, args.pages // 100), centres_per_topic=60, background=40
    )
    queries = build_queries(rng, centres, page_centres, args.queries)
    print(
        f"corpus {corpus.shape} float16 = {corpus.nbytes / 1e9:.2f} GB, built in {time.perf_counter() - t0:.0f} s"
    )

    muvera = Muvera(FdeConfig(dim=DIM, k_sim=args.k_sim, d_proj=args.d_proj, reps=args.reps))
    t0 = time.perf_counter()
    fdes = np.concatenate(
        [muvera.encode_documents(corpus[s : s + 64].astype(np.float32)) for s in range(0, args.pages, 64)]
    )
    index_s = time.perf_counter() - t0
    print(
        f"FDE dim {muvera.config.fde_dim}; encoding {args.pages} pages took {index_s:.0f} s "
        f"({args.pages / index_s:.0f} pages/s, indexing time, not search)"
    )

    exact_s = muvera_s = 0.0
    recalls = []
    for q in queries:
        tq = torch.from_numpy(q)
        t0 = time.perf_counter()
        exact = maxsim_scores(tq, corpus)
        truth = np.argsort(-exact)[:10]
        exact_s += time.perf_counter() - t0

        t0 = time.perf_counter()
        fde_scores = fdes @ muvera.encode_queries([q])[0]
        candidates = np.argpartition(-fde_scores, args.candidates)[: args.candidates]
        candidates.sort()  # sequential reads of the page store
        reranked = candidates[np.argsort(-maxsim_scores(tq, corpus[candidates]))[:10]]
        muvera_s += time.perf_counter() - t0
        recalls.append(len(set(truth) & set(reranked)) / 10)

    n = len(queries)
    print(f"exact MaxSim over all pages: {1000 * exact_s / n:.1f} ms/query")
    print(f"MUVERA {args.candidates} candidates + exact rerank: {1000 * muvera_s / n:.1f} ms/query")
    print(
        f"Recall@10 vs exact: {np.mean(recalls):.3f} (min {np.min(recalls):.1f}); speedup {exact_s / muvera_s:.1f}x"
    )


if __name__ == "__main__":
    main()
