"""Stored bytes per page vs recall@10 for the ColPali lanes' token codes (pooling x dtype), same run.

The synthetic pages of bench_muvera.py (128-d unit token vectors around shared "visual word" centres, the
shape of ColPali output); the reference is exact MaxSim over every page's full float32 tokens. Each codec
(lanes/visual/token_codes.py) stores every page, decodes it and ranks all pages by MaxSim; recall@10 is the
share of the reference top 10 it finds, bytes/page what the sidecar file holds, encode ms/page the cost at
indexing time (CPU time beside wall time: the machine may be shared).

    .venv/bin/python bench/bench_token_codes.py --pages 400 --tokens 1030
    .venv/bin/python bench/bench_token_codes.py --numbers docs/numbers/token-codes.json   # for the docs
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from bench_muvera import build_corpus, build_queries  # noqa: E402

from pagelens.eval.numbers import NumbersRun  # noqa: E402
from pagelens.lanes.visual.token_codes import TokenCodec  # noqa: E402

CODECS = [
    TokenCodec(1, "float16"),
    TokenCodec(1, "int8"),
    TokenCodec(2, "float16"),
    TokenCodec(2, "int8"),
    TokenCodec(3, "int8"),
    TokenCodec(4, "int8"),
    TokenCodec(6, "int8"),
]


def ranking(query: np.ndarray, pages: list[np.ndarray]) -> np.ndarray:
    scores = np.array([(query @ page.T).max(axis=1).sum() for page in pages])
    return np.argsort(-scores)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=400)
    ap.add_argument("--tokens", type=int, default=1030)  # a ColPali-size page (ColQwen2 at 768 px: ~750)
    ap.add_argument("--queries", type=int, default=30)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--numbers", type=Path, metavar="FILE", help="also write the results to FILE as JSON")
    args = ap.parse_args()
    measuring = NumbersRun()
    rng = np.random.default_rng(args.seed)
    corpus, centres, page_centres = build_corpus(
        rng, args.pages, args.tokens, topics=max(10, args.pages // 40), centres_per_topic=60, background=40
    )
    queries = build_queries(rng, centres, page_centres, args.queries)
    full = [np.asarray(page, np.float32) for page in corpus]
    reference = [ranking(q, full)[:10] for q in queries]
    baseline_bytes = args.tokens * corpus.shape[2] * 2  # float16, every token: what the lane stores today
    print(
        f"{args.pages} pages x {args.tokens} tokens x {corpus.shape[2]} dims, {args.queries} queries; "
        f"load {os.getloadavg()[0]:.1f}"
    )
    print(
        f"{'pool':>4} {'dtype':>7} {'recall@10':>9} {'bytes/page':>10} {'vs today':>8} {'encode ms/page':>15}"
    )
    rows = []
    for codec in CODECS:
        wall, cpu = time.perf_counter(), time.process_time()
        stored = [codec.encode(page) for page in full]
        wall, cpu = (
            (time.perf_counter() - wall) * 1e3 / len(full),
            (time.process_time() - cpu) * 1e3 / len(full),
        )
        decoded = [codec.decode(s) for s in stored]
        recall = np.mean(
            [len(set(ranking(q, decoded)[:10]) & set(ref)) / 10 for q, ref in zip(queries, reference)]
        )
        size = np.mean([s.nbytes for s in stored])
        print(
            f"{codec.pool_factor:>4} {codec.dtype:>7} {recall:>9.3f} {size:>10,.0f} {baseline_bytes / size:>7.1f}x "
            f"{wall:>7.1f} ({cpu:.1f} CPU)"
        )
        rows.append(
            {
                **codec.as_dict(),
                "recall_at_10": round(float(recall), 4),
                "bytes_per_page": round(float(size)),
                "smaller_by": round(baseline_bytes / float(size), 2),
                "encode_ms_wall": round(wall, 2),
                "encode_ms_cpu": round(cpu, 2),
            }
        )
    if args.numbers:
        shape = {
            "pages": args.pages,
            "tokens": args.tokens,
            "dims": int(corpus.shape[2]),
            "queries": args.queries,
        }
        measuring.write(args.numbers, {**shape, "seed": args.seed, "codecs": rows})


if __name__ == "__main__":
    main()
