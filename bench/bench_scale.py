"""The text lane as a library grows: add-then-search and search latency at 100k pages, reopening, and
lexical search at 1M pages, each against a baseline measured in the same run.

    nice .venv/bin/python bench/bench_scale.py                               # 100,000 and 1,000,000 pages
    nice .venv/bin/python bench/bench_scale.py --dense-pages 25000           # 25k of the 100k through Chroma
    nice .venv/bin/python bench/bench_scale.py --pages 10000 --million 100000   # a quick run
    nice .venv/bin/python bench/bench_scale.py --numbers docs/numbers/scale.json   # each step's results as JSON

Synthetic pages and queries come from bench_search.py (Zipf vocabulary, dev-like page lengths; queries
from random pages, and the same queries with two of the ten most frequent words added). Steps, each in a
fresh child process so that each peak RSS is its own:
1. library: `--dense-pages` pages through `TextLane.index` in batches of 1,000 (analysis, wordllama
   passages into embedded Chroma, BM25 segments);
2. extend: the rest of `--pages` into the lane's BM25 index only, from analysed term ids (wordllama +
   Chroma ingest runs at ~10 pages/s on a loaded 2-core machine: 100k pages would take hours);
3. measure: text-lane search p50/p95 (random and common-term queries), then five times: add one 10-page
   document and time it with the first search after it. Baseline: bm25s indexing as many pages again
   (what rebuilding on a change costs) and bm25s's own query latency;
4. reopen: a new process opens the lane (Chroma, segments, wordllama) and answers one search;
5. million: the lexical index alone (`LexicalIndex`) filled with `--million` pre-analysed pages in 100k-page
   commits, then a new process opens it and times the top 100 (what the lane takes before fusion): pruned
   (`Snapshot.top`, block maxima) against the same-run baseline of scoring every posting (`scores`),
   checking on every query that both give the same scores.
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
from bench_search import (
    QUERIES,
    K,
    bench_plain_bm25s,
    doc_pages,
    make_common_queries,
    make_pages,
    make_queries,
    make_vocabulary,
    page_lengths,
    percentiles,
    zipf_weights,
)

from pagelens.eval.numbers import NumbersRun

BATCH = 1_000
ASK_BASE = 1_000  # pages of the library `ask` is first timed on (the baseline), all of them dense
ASK_QUESTIONS = 20
ASK_COMMIT = 25_000  # pages per grown segment: a 90k-page commit peaked at 4.5 GB RSS with the library open
MILLION_COMMIT = 100_000
CANDIDATES = 100


def rss_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def open_lane(folder: Path):
    from pagelens.config import Settings
    from pagelens.index.chroma import ChromaHandle
    from pagelens.index.lane import LaneContext
    from pagelens.lanes.text.lane import create_lane

    return create_lane(
        "text", LaneContext(Settings(), ChromaHandle.open(folder=folder / "chroma"), folder / "lane")
    )


class Clock:
    """Wall and CPU seconds (this process, all threads) since it was made: the machine is shared, so wall
    time alone mostly measures the queue for its two cores."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def lap(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


def timed(run, items) -> dict:
    """Wall and CPU percentiles of `run(item)` over the items; the load average at the end."""
    wall, cpu = [], []
    for item in items:
        clock = Clock()
        run(item)
        lap = clock.lap()
        wall.append(lap[0])
        cpu.append(lap[1])
    return {**percentiles(wall), "cpu": percentiles(cpu), "load": round(os.getloadavg()[0], 1)}


def timed_searches(lane, queries: list[str]) -> dict:
    from pagelens.index.lane import Query

    return timed(lambda query: lane.search(Query(query), K), queries)


def step_library(count: int, folder: Path) -> dict:
    """The first `count` pages through `TextLane.index`: analysis, wordllama passages into Chroma, BM25."""
    pages = make_pages(count)
    lane = open_lane(folder)
    started = time.perf_counter()
    for first in range(0, count, BATCH):
        lane.index(
            [
                p
                for d in range(first, min(first + BATCH, count), 50)
                for p in doc_pages(f"doc{d // 50:06d}", pages[d : min(d + 50, count)])
            ]
        )
    build_s = time.perf_counter() - started
    lane.close()
    return {
        "pages": count,
        "build_s": round(build_s, 1),
        "pages_per_s": round(count / build_s, 1),
        "peak_rss_mb": rss_mb(),
    }


def step_extend(count: int, folder: Path) -> dict:
    """`count` more synthetic pages into the lane's BM25 index only, from analysed term ids (on a shared
    2-core machine, wordllama + Chroma ingest ~10 pages/s, so a 100k-page dense side does not fit a run;
    the dense side keeps the pages of step 1)."""
    from pagelens.analysis import analyze
    from pagelens.lanes.text.bm25_index import LexicalIndex
    from pagelens.lanes.text.segments import term_hashes

    index = LexicalIndex(folder / "lane", k1=1.5, b=0.5)
    start_row = index.snapshot().live_rows
    vocabulary = make_vocabulary(np.random.default_rng(7))
    hashes = term_hashes([" ".join(analyze(word)) or word for word in vocabulary])
    started = time.perf_counter()
    for first in range(start_row, start_row + count, MILLION_COMMIT):
        size = min(MILLION_COMMIT, start_row + count - first)
        commit_synthetic(index, first, size, hashes, vocabulary, prefix="ext")
    build_s = time.perf_counter() - started
    total = index.snapshot().live_rows
    index.close()
    return {"added_pages": count, "total_pages": total, "build_s": round(build_s, 1), "peak_rss_mb": rss_mb()}


def step_measure(count: int, folder: Path) -> dict:
    """Search latency over the lane, then five times: add a 10-page document and search for it."""
    from pagelens.index.lane import Query

    dense_pages = make_pages(count)
    queries = make_queries(dense_pages)
    common = make_common_queries(queries, make_vocabulary(np.random.default_rng(7)))
    lane = open_lane(folder)
    lexical_pages = lane._lexical.snapshot().live_rows
    for query in queries[:5]:
        lane.search(Query(query), K)
    search, search_common = timed_searches(lane, queries), timed_searches(lane, common)
    adds, adds_cpu = [], []
    extra = make_pages(50, seed=99)
    for n in range(5):
        clock = Clock()
        lane.index(doc_pages(f"new{n}", extra[10 * n : 10 * n + 10]))
        hits = lane.search(Query(extra[10 * n][:200]), K)
        adds.append(round(clock.lap()[0], 3))
        adds_cpu.append(round(clock.lap()[1], 3))
        assert hits and hits[0].key.startswith(f"new{n}:"), "the new document is not found by its own text"
    segments = len(list((folder / "lane" / "segments").iterdir()))
    lane.close()
    # baseline: what rebuilding the BM25 index on a change costs at this size (bm25s over as many pages)
    texts = dense_pages + make_pages(max(lexical_pages - count, 0), seed=5)
    baseline = bench_plain_bm25s(texts, queries)
    return {
        "lexical_pages": lexical_pages,
        "dense_pages": count,
        "search": search,
        "search_common": search_common,
        "add_10_pages_then_search_s": adds,
        "add_10_pages_then_search_cpu_s": adds_cpu,
        "load": round(os.getloadavg()[0], 1),
        "segments": segments,
        "bm25s": {"pages": len(texts), **baseline},
        "add_ratio_vs_rebuild": round(max(adds) / baseline["index_s"], 4),
        "peak_rss_mb": rss_mb(),
    }


def step_reopen(folder: Path) -> dict:
    """Opening the library folder and answering: imports (the same for any library size) are timed apart."""
    clock = Clock()
    import chromadb  # noqa: F401
    import wordllama  # noqa: F401

    import pagelens.lanes.text.lane  # noqa: F401
    from pagelens.index.lane import Query

    imports = clock.lap()
    query = Query(make_queries(make_pages(200))[0])
    clock = Clock()
    lane = open_lane(folder)
    hits = lane.search(query, K)
    first = clock.lap()
    lane.close()
    return {
        "reopen_and_first_search_s": round(first[0], 2),
        "cpu_s": round(first[1], 2),
        "imports_s": round(imports[0], 2),
        "imports_cpu_s": round(imports[1], 2),
        "hits": len(hits),
        "load": round(os.getloadavg()[0], 1),
        "peak_rss_mb": rss_mb(),
    }


def synthetic_terms(
    count: int, seed: int, vocabulary: list[str] | None = None
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(vocabulary, term ids of every token, words per page): pages already analysed (no analyser cost)."""
    rng = np.random.default_rng(seed)
    lengths = page_lengths(rng, count)
    cumulative = np.cumsum(zipf_weights())
    ids = np.minimum(np.searchsorted(cumulative, rng.random(int(lengths.sum()))), len(cumulative) - 1)
    return vocabulary or make_vocabulary(np.random.default_rng(7)), ids, lengths


def lexical_queries(seed: int = 11) -> list[list[str]]:
    """Random and common-term queries over the synthetic terms (half and half)."""
    vocabulary, ids, lengths = synthetic_terms(QUERIES, seed)
    rng = np.random.default_rng(seed)
    ends = np.cumsum(lengths)
    queries = []
    for n, end in enumerate(ends):
        words = [vocabulary[i] for i in ids[end - lengths[n] : end]]
        picked = list(rng.choice(words, size=min(len(words), int(rng.integers(4, 9))), replace=False))
        queries.append(picked if n % 2 else [*rng.choice(vocabulary[:10], size=2, replace=False), *picked])
    return queries


def commit_synthetic(
    index, first: int, size: int, hashes: np.ndarray, vocabulary: list[str], prefix: str, on_document=None
) -> None:
    """Pages first..first+size (50 per document) of pre-analysed synthetic terms, committed as one segment;
    `on_document(doc_id, texts)`: also called with each document's page texts (its terms' words)."""
    from pagelens.lanes.text.bm25_index import NewSegment
    from pagelens.lanes.text.segments import Segment

    _, ids, lengths = synthetic_terms(size, seed=first, vocabulary=vocabulary)
    rows = np.arange(first, first + size)
    keys = [f"{prefix}{row // 50:06d}:{row % 50 + 1:05d}" for row in rows.tolist()]
    docs, pages = np.unique(rows // 50, return_counts=True)
    if on_document is not None:
        words, ends = np.array(vocabulary), np.cumsum(lengths)
        texts = [" ".join(words[ids[end - length : end]]) for end, length in zip(ends, lengths)]
        for doc, start, count in zip(docs.tolist(), (np.cumsum(pages) - pages).tolist(), pages.tolist()):
            on_document(f"{prefix}{doc:06d}", texts[start : start + count])
    index.add_segment(
        NewSegment(
            Segment.from_term_ids(keys, ids, lengths, hashes),
            [(f"{prefix}{doc:06d}", count) for doc, count in zip(docs.tolist(), pages.tolist())],
        )
    )


def sentences(text: str, words: int = 15) -> str:
    """The words as sentences of `words` words (a page without any full stop is one long sentence, which
    the answerer would score and encode whole)."""
    tokens = text.split()
    return " ".join(
        " ".join(tokens[start : start + words]).capitalize() + "." for start in range(0, len(tokens), words)
    )


def step_ask(count: int, folder: Path) -> dict:
    """`Library.ask` (the extractive answer loop: its searches, page reads and term statistics) as one
    library grows: 1,000 pages through the catalog and the text lane (analysis, wordllama passages in
    Chroma, BM25), timed with `ASK_QUESTIONS` questions; then grown tenfold at a time up to `count` pages
    (catalog pages and BM25 segments from pre-analysed term ids, as step `extend`; the dense side keeps
    the first 1,000) and timed again with the same questions. The 1,000-page numbers are the baseline.
    The text lane's search alone is timed beside it at each size."""
    from pagelens import Library
    from pagelens.analysis import analyze
    from pagelens.index.catalog import DocumentRow
    from pagelens.lanes.text.segments import term_hashes

    first_pages = make_pages(ASK_BASE)
    queries = make_queries(first_pages)
    questions = [f"What does the library say about {q}?" for q in queries[:ASK_QUESTIONS]]
    lib = Library(folder / "ask", lanes=["text"])

    def add_document(doc_id: str, texts: list[str], index: bool = False) -> None:
        pages = doc_pages(doc_id, [sentences(text) for text in texts], language="en")
        lib._catalog.insert_pending(
            DocumentRow(
                doc_id, f"{doc_id}.pdf", doc_id, "pdf", len(pages), f"/{doc_id}.pdf", 1, 0.0, "", "pending"
            )
        )
        lib._catalog.insert_pages(doc_id, pages)
        if index:
            lib._lanes.index(pages)
        lib._catalog.complete(doc_id)

    for first in range(0, ASK_BASE, 50):
        add_document(f"base{first // 50:06d}", first_pages[first : first + 50], index=True)
    vocabulary = make_vocabulary(np.random.default_rng(7))
    hashes = term_hashes([" ".join(analyze(word)) or word for word in vocabulary])
    lexical = lib._lanes["text"]._lexical
    result: dict = {}
    searches: dict = {}  # the text lane's search alone, same library, `QUERIES` queries
    size = ASK_BASE
    while True:
        for question in questions[:2]:  # warm: caches, the snapshot's norms
            lib.ask(question)
        result[str(size)] = timed(lib.ask, questions)
        searches[str(size)] = timed_searches(lib._lanes["text"], queries)
        print(
            f"  at {size} pages: ask {result[str(size)]}, search {searches[str(size)]}",
            file=sys.stderr,
            flush=True,
        )
        if size * 10 > count:
            break
        for first in range(size, size * 10, ASK_COMMIT):
            part = min(ASK_COMMIT, size * 10 - first)
            commit_synthetic(
                lexical, first, part, hashes, vocabulary, prefix="grow", on_document=add_document
            )
        size *= 10
    lib.close()
    base = result[str(ASK_BASE)]
    for measured in result.values():
        measured["p95_vs_1k"] = round(measured["p95_ms"] / base["p95_ms"], 2)
        measured["cpu_p95_vs_1k"] = round(measured["cpu"]["p95_ms"] / base["cpu"]["p95_ms"], 2)
    return {"questions": len(questions), "ask": result, "text_lane_search": searches, "peak_rss_mb": rss_mb()}


def step_million_build(count: int, folder: Path) -> dict:
    """Segments made straight from term ids and committed like any add: the analyser and per-token
    strings (measured with the lane in steps 1 and 3) would only make this step slower."""
    from pagelens.lanes.text.bm25_index import LexicalIndex
    from pagelens.lanes.text.segments import term_hashes

    index = LexicalIndex(folder, k1=1.5, b=0.5)
    vocabulary = make_vocabulary(np.random.default_rng(7))
    hashes = term_hashes(vocabulary)
    started = time.perf_counter()
    for first in range(0, count, MILLION_COMMIT):
        commit_synthetic(index, first, min(MILLION_COMMIT, count - first), hashes, vocabulary, prefix="m")
        print(
            f"  {min(first + MILLION_COMMIT, count)} pages, {time.perf_counter() - started:.0f} s",
            file=sys.stderr,
            flush=True,
        )
    build_s = time.perf_counter() - started
    index.close()
    disk_mb = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20
    return {
        "pages": count,
        "build_s": round(build_s, 1),
        "disk_mb": round(disk_mb),
        "build_peak_rss_mb": rss_mb(),
    }


def step_lexical_search(folder: Path) -> dict:
    from pagelens.lanes.text.bm25_index import LexicalIndex

    clock = Clock()
    index = LexicalIndex(folder, k1=1.5, b=0.5, writable=False)
    snapshot = index.snapshot()
    opened = clock.lap()
    queries = lexical_queries()

    def exhaustive(terms: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """The baseline: every posting scored, then the top 100 (ties: lower row first)."""
        scores = snapshot.scores(terms, 0.4)
        top = np.argpartition(-scores, CANDIDATES - 1)[:CANDIDATES]
        top = top[np.lexsort((top, -scores[top]))]
        top = top[scores[top] > 0]
        snapshot.keys(top[:K])
        return top, scores[top]

    def pruned(terms: list[str]) -> tuple[np.ndarray, np.ndarray]:
        rows, scores = snapshot.top(terms, 0.4, CANDIDATES)
        snapshot.keys(rows[:K])
        return rows, scores

    for terms in queries[:5]:
        exhaustive(terms), pruned(terms)
    differ = 0
    for terms in queries:  # the same top 100 and scores, or the pruning is wrong (a tie at 100 may differ)
        (a, a_scores), (b, b_scores) = exhaustive(terms), pruned(terms)
        differ += not (np.array_equal(a_scores, b_scores) and set(a[a_scores > a_scores[-1]]) <= set(b))
    result = {"pages": snapshot.live_rows, "segments": len(snapshot.parts), "open_s": round(opened[0], 2)}
    result |= {"open_cpu_s": round(opened[1], 2), "top100_differ": differ}
    for name, run in (("exhaustive", exhaustive), ("pruned", pruned)):
        result[name] = {
            **timed(run, queries),
            "common_terms": timed(run, queries[::2]),  # with two of the ten most frequent words
            "rare_terms": timed(run, queries[1::2]),  # words of a random page only
        }
    index.close()
    return {**result, "peak_rss_mb": rss_mb()}


STEPS = {
    "library": lambda a: step_library(a.count, a.folder),
    "extend": lambda a: step_extend(a.count, a.folder),
    "measure": lambda a: step_measure(a.count, a.folder),
    "reopen": lambda a: step_reopen(a.folder),
    "million_build": lambda a: step_million_build(a.count, a.folder),
    "lexical_search": lambda a: step_lexical_search(a.folder),
    "ask": lambda a: step_ask(a.count, a.folder),
}


def child(step: str, count: int, folder: Path) -> dict:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
    run = subprocess.run(
        [sys.executable, __file__, "--step", step, "--count", str(count), "--folder", str(folder)],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
    )
    if run.returncode != 0:
        raise SystemExit(f"step {step} failed ({run.returncode})")
    result = json.loads(run.stdout.strip().splitlines()[-1])
    print(f"{step}: {json.dumps(result)}", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=100_000, help="pages of the text-lane library (0: skip)")
    parser.add_argument(
        "--dense-pages",
        type=int,
        default=0,
        help="pages that also go through wordllama + Chroma (default: all); the rest BM25 only",
    )
    parser.add_argument(
        "--million", type=int, default=1_000_000, help="pages of the lexical-only index (0: skip)"
    )
    parser.add_argument(
        "--ask",
        type=int,
        default=100_000,
        help="Library.ask at 1,000 pages, then tenfold up to this many pages (0: skip)",
    )
    parser.add_argument("--numbers", type=Path, metavar="FILE", help="also write each step's results to FILE")
    parser.add_argument("--step", choices=STEPS, help=argparse.SUPPRESS)  # child mode
    parser.add_argument("--count", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(STEPS[args.step](args)))
        return
    measuring, steps = NumbersRun(), {}
    with tempfile.TemporaryDirectory(prefix="pagelens-bench-scale-") as scratch:
        if args.pages:
            library = Path(scratch) / "library"
            dense = min(args.dense_pages or args.pages, args.pages)
            steps["library"] = child("library", dense, library)
            if args.pages > dense:
                steps["extend"] = child("extend", args.pages - dense, library)
            lib = steps["measure"] = child("measure", dense, library)
            steps["reopen"] = child("reopen", args.pages, library)
            print(
                f"text lane p50 vs bm25s p50 at {args.pages}: "
                f"{lib['search']['p50_ms'] / lib['bm25s']['p50_ms']:.2f}x; "
                f"slowest add+search vs bm25s rebuild: {lib['add_ratio_vs_rebuild']}",
                flush=True,
            )
            small = steps["lexical_search"] = child("lexical_search", args.pages, library / "lane")
        if args.ask:
            steps["ask"] = child("ask", args.ask, Path(scratch) / "ask")
        if args.million:
            big_folder = Path(scratch) / "million"
            steps["million_build"] = child("million_build", args.million, big_folder)
            big = steps["million_lexical_search"] = child("lexical_search", args.million, big_folder)
            if args.pages:
                print(
                    f"lexical p50 at {args.million} vs {args.pages} pages: "
                    f"{big['pruned']['p50_ms'] / small['pruned']['p50_ms']:.1f}x",
                    flush=True,
                )
    if args.numbers:
        sizes = {
            "pages": args.pages,
            "dense_pages": args.dense_pages,
            "million": args.million,
            "ask": args.ask,
        }
        measuring.write(args.numbers, {**sizes, "steps": steps})


if __name__ == "__main__":
    main()
