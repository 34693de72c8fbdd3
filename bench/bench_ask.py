"""Answer latency: seconds per `Library.ask` (the extractive answerer: searches, page judgements, abstention
signals, composition) over an evaluation set's questions, against `Library.search` (retrieval alone) for the
same questions in the same run, so that the ratio says what answering adds on this machine at its load.

    .venv/bin/python bench/bench_ask.py                                   # ../shared/eval/dev, a fresh library
    .venv/bin/python bench/bench_ask.py --library /tmp/dev --repeat 2     # a ready library of the set's files
    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/bench_ask.py             # on a machine busy with other work

A fresh library is built from the set's documents first (not timed). Each question is searched, then asked,
`--repeat` times; the first pass warms the caches (models, furniture, dictionaries) and is not counted when
`--repeat` is above 1. Wall and CPU time are printed with the load average beside them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from pagelens import Library
from pagelens.eval.dataset import load_eval_set


def timed(run) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - wall, time.process_time() - cpu


def summary(label: str, walls: list[float], cpus: list[float]) -> str:
    ordered = sorted(walls)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return (
        f"{label:<8} mean {statistics.mean(walls):6.3f} s  median {statistics.median(walls):6.3f} s  "
        f"p95 {p95:6.3f} s  cpu {statistics.mean(cpus):6.3f} s/query"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--set", type=Path, default=Path("../shared/eval/dev"), help="an evaluation set folder"
    )
    parser.add_argument("--library", type=Path, help="a ready library of the set's documents (else built)")
    parser.add_argument("--repeat", type=int, default=2, help="passes over the questions (the first warms)")
    parser.add_argument("--limit", type=int, default=0, help="at most this many questions (0: all)")
    args = parser.parse_args()

    eval_set = load_eval_set(args.set)
    questions = [q.query for q in eval_set.queries][: args.limit or None]
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.library or Path(scratch) / "library"
        library = Library(folder)
        if args.library is None:
            report = library.add(eval_set.doc_paths(), progress=False)
            if not report.ok:
                raise SystemExit(f"could not build the library: {[f.reason for f in report.files]}")
        try:
            times: dict[str, tuple[list[float], list[float]]] = {"search": ([], []), "ask": ([], [])}
            for n in range(args.repeat):
                for question in questions:
                    for label, run in (("search", library.search), ("ask", library.ask)):
                        wall, cpu = timed(lambda: run(question))
                        if n or args.repeat == 1:
                            times[label][0].append(wall)
                            times[label][1].append(cpu)
        finally:
            library.close()
    print(f"{len(questions)} questions of {args.set}, {args.repeat} passes; load {os.getloadavg()}")
    for label, (walls, cpus) in times.items():
        print(summary(label, walls, cpus))
    ratio = statistics.mean(times["ask"][0]) / statistics.mean(times["search"][0])
    print(f"ask / search (mean wall): {ratio:.1f}x")


if __name__ == "__main__":
    main()
