"""What the Library adds on top of a lane's own search: fusion, catalog look-up, Hit building.

    .venv/bin/python bench/bench_library.py                  # 10,000 synthetic pages, text lane
    .venv/bin/python bench/bench_library.py --pages 2000 --lanes text

Synthetic documents (Zipf-distributed pseudo-words, 150-350 words a page, 50 pages a document) are
written the way `Library.add` writes them (pending row, pages, every lane, complete) but without
rendering, so the index is large quickly. Then the same queries run through `lane.search` (baseline)
and `Library.search` in the same process; the script prints p50/p95 of both and the overhead.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time

import numpy as np

from pagelens import Library, Page, Settings
from pagelens.index.catalog import DocumentRow
from pagelens.index.lane import Query

PAGES_PER_DOC = 50


def synthetic_pages(count: int, rng: np.random.Generator) -> list[str]:
    syllables = [c + v for c in "bcdfghjklmnprstvwz" for v in ("a", "e", "i", "o", "u", "ar", "en", "is")]
    vocabulary = sorted({"".join(rng.choice(syllables, size=rng.integers(1, 4))) for _ in range(40_000)})
    weights = 1.0 / np.arange(1, len(vocabulary) + 1)
    weights /= weights.sum()
    return [" ".join(rng.choice(vocabulary, size=rng.integers(150, 350), p=weights)) for _ in range(count)]


def fill(lib: Library, texts: list[str]) -> None:
    for start in range(0, len(texts), PAGES_PER_DOC):
        doc_id = f"synthetic{start // PAGES_PER_DOC:06d}"
        lib._catalog.insert_pending(
            DocumentRow(
                doc_id, f"{doc_id}.pdf", doc_id, "pdf", 0, "-", 0, 0.0, "2026-01-01T00:00:00+00:00", "pending"
            )
        )
        pages = [
            Page(
                doc_id=doc_id,
                doc=f"{doc_id}.pdf",
                page=n + 1,
                image_path=str(lib.path / "pages" / doc_id / f"{n + 1:05d}.png"),
                width=1000,
                height=1400,
                text=text,
                text_source="layer",
            )
            for n, text in enumerate(texts[start : start + PAGES_PER_DOC])
        ]
        lib._catalog.insert_pages(doc_id, pages)
        for lane in lib._lanes.values():
            lane.index(pages)
        lib._catalog.complete(doc_id)


def percentiles(seconds: list[float]) -> tuple[float, float]:
    ordered = sorted(seconds)
    return 1000 * statistics.median(ordered), 1000 * ordered[int(0.95 * (len(ordered) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--lanes", default="text")
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    texts = synthetic_pages(args.pages, rng)
    queries = [
        " ".join(rng.choice(texts[rng.integers(len(texts))].split(), size=rng.integers(4, 9)))
        for _ in range(args.queries)
    ]
    lanes = args.lanes.split(",")
    with (
        tempfile.TemporaryDirectory(prefix="pagelens-bench-") as folder,
        Library(folder, lanes=lanes, settings=Settings.from_env()) as lib,
    ):
        started = time.perf_counter()
        fill(lib, texts)
        print(
            f"indexed {args.pages} pages into lanes {lanes} in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        lib.search(queries[0])  # warm caches (lazy matrices, models)
        timings: dict[str, list[float]] = {"lanes": [], "library": []}
        for query in queries:
            started = time.perf_counter()
            for lane in lanes:
                lib._lanes[lane].search(Query(text=query), 10 if len(lanes) == 1 else 30)
            timings["lanes"].append(time.perf_counter() - started)
            started = time.perf_counter()
            lib.search(query, k=10)
            timings["library"].append(time.perf_counter() - started)
    (lane_p50, lane_p95), (lib_p50, lib_p95) = percentiles(timings["lanes"]), percentiles(timings["library"])
    print(f"{args.pages} pages, {args.queries} queries, k=10")
    print(f"  lane search only : p50 {lane_p50:7.2f} ms  p95 {lane_p95:7.2f} ms")
    print(f"  Library.search   : p50 {lib_p50:7.2f} ms  p95 {lib_p95:7.2f} ms")
    print(f"  library overhead : p50 {lib_p50 - lane_p50:+7.2f} ms  ratio {lib_p50 / lane_p50:.2f}x")


if __name__ == "__main__":
    sys.exit(main())
