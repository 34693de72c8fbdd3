"""Text-lane search latency, index build time and peak RSS on synthetic pages, vs plain bm25s in the same run.

    .venv/bin/python bench/bench_search.py                 # 10,000 and 100,000 pages
    .venv/bin/python bench/bench_search.py --pages 10000   # one size

Pages are made of pseudo-words drawn with Zipf frequencies (like real text: few very common words, a long
tail of rare ones), with page lengths like the dev set's (log-normal, median ~280 words; the dev PDFs'
text layers: quartiles 78/284/414, p95 554). Queries are 4-8 words taken from a random page, so most
have matches; `make_common_queries` adds the library's most frequent words to such queries. Each size runs in a fresh child process so that its peak RSS is its own.
The baseline is bm25s with its own tokenizer (tokenize + retrieve top 10) over the same texts.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from pagelens.eval.numbers import NumbersRun

VOCABULARY = 30_000
PAGES_PER_DOC = 50
QUERIES = 200
K = 10


def make_vocabulary(rng: np.random.Generator) -> list[str]:
    vowels = ("a", "e", "i", "o", "u", "ar", "en", "is", "on")
    syllables = [c + v for c in "bcdfghjklmnprstvwz" for v in vowels]
    words: set[str] = set()
    while len(words) < VOCABULARY:
        words.add("".join(rng.choice(syllables, size=rng.integers(1, 4))))
    return sorted(words)


def zipf_weights() -> np.ndarray:
    weights = 1.0 / np.arange(1, VOCABULARY + 1) ** 1.07
    return weights / weights.sum()


def page_lengths(rng: np.random.Generator, count: int) -> np.ndarray:
    """Words per page, shaped like the dev set's pages (a few very long, none empty here)."""
    return np.clip(rng.lognormal(np.log(280), 0.65, size=count), 5, 1500).astype(np.int64)


def make_pages(count: int, seed: int = 7) -> list[str]:
    rng = np.random.default_rng(seed)
    vocabulary = np.array(make_vocabulary(rng))
    lengths = page_lengths(rng, count)
    drawn = rng.choice(VOCABULARY, size=int(lengths.sum()), p=zipf_weights())
    pages, start = [], 0
    for length in lengths:
        pages.append(" ".join(vocabulary[drawn[start : start + length]]))
        start += length
    return pages


def make_queries(pages: list[str], seed: int = 11) -> list[str]:
    rng = np.random.default_rng(seed)
    queries = []
    for _ in range(QUERIES):
        words = pages[rng.integers(len(pages))].split()
        queries.append(" ".join(rng.choice(words, size=rng.integers(4, 9), replace=False)))
    return queries


def make_common_queries(queries: list[str], vocabulary: list[str], seed: int = 13) -> list[str]:
    """Each query with two of the ten most frequent words of the library added (long posting lists)."""
    rng = np.random.default_rng(seed)
    return [" ".join([*rng.choice(vocabulary[:10], size=2, replace=False), query]) for query in queries]


def doc_pages(doc_id: str, texts: list[str], language: str = ""):
    """The pages of one synthetic document (text layer only, no image); `language` set: no detection."""
    from pagelens.types import Page

    return [
        Page(
            doc_id=doc_id,
            doc=f"{doc_id}.pdf",
            page=n + 1,
            image_path="",
            width=1,
            height=1,
            text=text,
            text_source="layer",
            language=language,
        )
        for n, text in enumerate(texts)
    ]


def percentiles(samples_s: list[float]) -> dict[str, float]:
    ms = np.array(samples_s) * 1000
    return {
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p95_ms": round(float(np.percentile(ms, 95)), 2),
    }


def bench_text_lane(pages: list[str], queries: list[str], folder: Path) -> dict:
    from pagelens.config import Settings
    from pagelens.index.chroma import ChromaHandle
    from pagelens.index.lane import LaneContext, Query
    from pagelens.lanes.text.lane import create_lane

    chroma = ChromaHandle.open(folder=folder / "chroma")
    lane = create_lane("text", LaneContext(Settings(), chroma, folder / "lane"))
    started = time.perf_counter()
    for first in range(0, len(pages), PAGES_PER_DOC):
        lane.index(doc_pages(f"doc{first // PAGES_PER_DOC:06d}", pages[first : first + PAGES_PER_DOC]))
    index_s = time.perf_counter() - started
    started = time.perf_counter()
    lane.search(Query(queries[0]), K)  # the first search after a change builds the BM25 matrices
    first_search_s = time.perf_counter() - started
    for query in queries[:5]:
        lane.search(Query(query), K)
    samples = []
    for query in queries:
        started = time.perf_counter()
        lane.search(Query(query), K)
        samples.append(time.perf_counter() - started)
    lane.close()
    return {"index_s": round(index_s, 1), "first_search_s": round(first_search_s, 2), **percentiles(samples)}


def bench_plain_bm25s(pages: list[str], queries: list[str]) -> dict:
    import bm25s

    started = time.perf_counter()
    model = bm25s.BM25()
    model.index(bm25s.tokenize(pages, stopwords="en", show_progress=False), show_progress=False)
    index_s = time.perf_counter() - started
    samples = []
    for query in queries:
        started = time.perf_counter()
        tokens = bm25s.tokenize([query], stopwords="en", show_progress=False, return_ids=False)
        model.retrieve(tokens, k=K, show_progress=False)
        samples.append(time.perf_counter() - started)
    return {"index_s": round(index_s, 1), **percentiles(samples)}


def run_one(count: int) -> dict:
    started = time.perf_counter()
    pages = make_pages(count)
    queries = make_queries(pages)
    generate_s = time.perf_counter() - started
    baseline = bench_plain_bm25s(pages, queries)
    with tempfile.TemporaryDirectory(prefix="pagelens-bench-") as scratch:
        lane = bench_text_lane(pages, queries, Path(scratch))
        disk_mb = sum(f.stat().st_size for f in Path(scratch).rglob("*") if f.is_file()) / 2**20
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "pages": count,
        "words": sum(len(p.split()) for p in pages),
        "generate_s": round(generate_s, 1),
        "text_lane": lane,
        "plain_bm25s": baseline,
        "peak_rss_mb": round(peak_rss_mb),
        "library_disk_mb": round(disk_mb),
        "p50_ratio_vs_bm25s": round(lane["p50_ms"] / baseline["p50_ms"], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--numbers", type=Path, metavar="FILE", help="also write the results to FILE as JSON")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child mode: run one size, print JSON
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one)))
        return
    measuring, sizes = NumbersRun(), {}
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
    print(
        f"{'pages':>8} {'index s':>8} {'1st q s':>8} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'bm25s p50':>10} {'bm25s p95':>10} {'ratio':>6} {'RSS MB':>7} {'disk MB':>8}"
    )
    for count in args.pages:
        child = subprocess.run(
            [sys.executable, __file__, "--one", str(count)], env=env, text=True, capture_output=True
        )
        if child.returncode != 0:
            print(f"{count:>8} failed:\n{child.stderr[-2000:]}")
            continue
        r = sizes[str(count)] = json.loads(child.stdout.strip().splitlines()[-1])
        lane, base = r["text_lane"], r["plain_bm25s"]
        print(
            f"{count:>8} {lane['index_s']:>8} {lane['first_search_s']:>8} {lane['p50_ms']:>8} "
            f"{lane['p95_ms']:>8} "
            f"{base['p50_ms']:>10} {base['p95_ms']:>10} {r['p50_ratio_vs_bm25s']:>6} {r['peak_rss_mb']:>7} "
            f"{r['library_disk_mb']:>8}",
            flush=True,
        )
        print("   " + json.dumps(r), flush=True)
    if args.numbers:
        measuring.write(args.numbers, {"sizes": sizes})


if __name__ == "__main__":
    main()
