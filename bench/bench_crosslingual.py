"""Cross-lingual retrieval on the generated three-language library (tests/multilingual_corpus.py): nDCG@5
and MRR of each question's page, with the bilingual dictionaries and without them, and the cost of
translating a question (dictionary lookups, p50 over the questions, the dictionaries already open).

    .venv/bin/python bench/bench_crosslingual.py [--weights 0.4,0.8] [--exponents 0.5,1] [--library DIR]

With several weights or exponents, every pair of them is ranked on the same library (the text lane's
`translation_weight` and `translation_sense_exponent`). This set tunes them; the evaluation sets never do.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from multilingual_corpus import QUESTIONS, write_corpus  # noqa: E402

from pagelens import Library  # noqa: E402
from pagelens.language import DEFAULT, detect  # noqa: E402


def ranks(lib: Library, where: dict[str, tuple[str, int]]) -> list[int | None]:
    found = []
    for question in QUESTIONS:
        hits = lib.search(question.text, k=10)
        gold = where[question.page]
        found.append(next((h.rank for h in hits if (h.doc, h.page) == gold), None))
    return found


def report(label: str, found: list[int | None]) -> None:
    ndcg = statistics.mean(1 / math.log2(r + 1) if r and r <= 5 else 0.0 for r in found)
    mrr = statistics.mean(1 / r if r else 0.0 for r in found)
    print(f"{label:34s} nDCG@5 {ndcg:.3f}  MRR {mrr:.3f}  ranks {found}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--weights", default="", help="comma-separated translation_weight values")
    parser.add_argument("--exponents", default="", help="comma-separated translation_sense_exponent values")
    parser.add_argument("--library", type=Path)
    args = parser.parse_args()
    folder = args.library or Path(tempfile.mkdtemp(prefix="pagelens-crossling-"))
    os.environ.setdefault("PAGELENS_TEXT_DENSE_WEIGHT", "0.15")
    where = write_corpus(folder / "docs")
    with Library(folder / "library") as lib:
        lib.add([folder / "docs"], replace=True)
        lane = lib._lanes["text"]
        print("languages:", dict(lib._catalog.languages()))
        report("with dictionaries", ranks(lib, where))
        shipped = lane.params
        for weight in [float(w) for w in args.weights.split(",") if w] or [shipped.translation_weight]:
            for exponent in [float(e) for e in args.exponents.split(",") if e] or [
                shipped.translation_sense_exponent
            ]:
                lane.params = replace(shipped, translation_weight=weight, translation_sense_exponent=exponent)
                report(f"  weight {weight} exponent {exponent}", ranks(lib, where))
        lane.params = shipped
        languages = tuple(lib._catalog.languages())
        costs, cpu = [], []
        for question in QUESTIONS:
            source = detect(question.text) or DEFAULT
            start, start_cpu = time.perf_counter(), time.process_time()
            lane.translate(question.text, source, languages)
            costs.append(1000 * (time.perf_counter() - start))
            cpu.append(1000 * (time.process_time() - start_cpu))
        print(
            f"translation p50 {statistics.median(costs):.2f} ms wall, {statistics.median(cpu):.2f} ms CPU "
            f"(load {os.getloadavg()[0]:.1f})"
        )
        lane._dictionary = lambda source, target: None
        report("without dictionaries", ranks(lib, where))


if __name__ == "__main__":
    main()
