"""Ablation of the text lane: nDCG@5 with each signal switched off, on evaluation sets side by side.

    .venv/bin/python bench/ablate_text_lane.py ../shared/eval/dev ../shared/eval/dev2 [--work DIR]
    .venv/bin/python scripts/doc_numbers.py measure ablation [--work DIR]   # the same, for docs/lanes.md

Each set is ingested once into `<work>/<set name>` (kept between runs: a second run only re-indexes);
every variant is `pagelens eval` on that library with `Settings.text_params` (the lane's
`TextLaneParams`) or `Settings.fold_overlays` changed. A variant that changes an index-time parameter
re-indexes the text lane from the stored pages (no re-rendering), and the next variant re-indexes it
back. Prints one table: a row per variant, for each set the overall nDCG@5 and then one column per query
type as `set1/set2`; the last row is plain bm25s over the same page texts, scored in the same run.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from pagelens.config import Settings
from pagelens.eval.numbers import NumbersRun
from pagelens.eval.run import EvalReport, run_eval

# label -> (text lane parameters, other settings); the first row is the lane as shipped
VARIANTS: dict[str, tuple[dict[str, float], dict[str, object]]] = {
    "shipped (all signals)": ({}, {}),
    "k1/b: b=0.75 (bm25s)": ({"b": 0.75}, {}),
    "k1/b: k1=1.2 b=0.75": ({"k1": 1.2, "b": 0.75}, {}),
    "no word pairs": ({"bigram_weight": 0}, {}),
    "no looks re-ranking": ({"colour_weight": 0, "kind_weight": 0}, {}),
    "title field on (0.2)": ({"title_weight": 0.2}, {}),
    "no dense (weight 0)": ({"dense_weight": 0}, {}),
    "no overlay folding": ({}, {"fold_overlays": False}),
    "compound parts summed": ({"part_fallback": 0}, {}),
    "no query translation": ({"translation_weight": 0}, {}),
    "no furniture weight": ({"furniture_weight": 1}, {}),
    "no negation markers": ({"negation": 0}, {}),
    "no figure text": ({"figure_text": 0}, {}),
    "no word parts": ({"word_parts": 0}, {}),
    "no stemming": ({"stemming": 0}, {}),
    "BM25 alone (b=0.75, all off)": (
        {
            "b": 0.75,
            "bigram_weight": 0,
            "colour_weight": 0,
            "kind_weight": 0,
            "dense_weight": 0,
            "furniture_weight": 1,
            "negation": 0,
        },
        {"fold_overlays": False},
    ),
}


def ablate(set_dirs: list[Path], work: Path, variants: dict) -> dict[str, dict[str, EvalReport]]:
    """label -> set name -> report."""
    base = Settings.from_env()
    reports: dict[str, dict[str, EvalReport]] = {}
    for label, (params, other) in variants.items():
        settings = base.replace(text_params=params, **other)
        reports[label] = {}
        for set_dir in set_dirs:
            started, cpu = time.perf_counter(), time.process_time()
            report = run_eval(set_dir, settings=settings, library_dir=work / set_dir.name, progress=False)
            reports[label][set_dir.name] = report
            print(
                f"# {label:<24} {set_dir.name:<6} nDCG@5 {report.overall['ndcg@5']:.3f} "
                f"({time.perf_counter() - started:.0f} s wall, {time.process_time() - cpu:.0f} s CPU, "
                f"load {os.getloadavg()[0]:.1f})",
                flush=True,
            )
    return reports


def ndcg(overall: dict[str, float], by_type: dict[str, dict[str, float]]) -> dict:
    """One report's nDCG@5, overall and per query type."""
    return {"ndcg@5": overall["ndcg@5"], "by_type": {t: m["ndcg@5"] for t, m in by_type.items()}}


def results(reports: dict[str, dict[str, EvalReport]], sets: list[str]) -> dict:
    """What the table shows, JSON-ready: per variant and set, and plain bm25s (same run) per set."""
    first = next(iter(reports.values()))
    return {
        "sets": sets,
        "variants": {
            label: {name: ndcg(by_set[name].overall, by_set[name].by_type) for name in sets}
            for label, by_set in reports.items()
        },
        "bm25s": {name: ndcg(first[name].baseline_overall, first[name].baseline_by_type) for name in sets},
    }


def table(results: dict) -> str:
    """Markdown: a row per variant (and bm25s), overall per set, then per type `set1/set2`."""
    sets = results["sets"]
    rows = {**results["variants"], "plain bm25s (same run)": results["bm25s"]}
    types = sorted({t for by_set in rows.values() for name in sets for t in by_set[name]["by_type"]})

    def row(label: str, by_set: dict) -> str:
        per_type = [
            "/".join(f"{by_set[n]['by_type'][t]:.3f}" if t in by_set[n]["by_type"] else "-" for n in sets)
            for t in types
        ]
        overall = [f"{by_set[name]['ndcg@5']:.3f}" for name in sets]
        return f"| {label} | " + " | ".join([*overall, *per_type]) + " |"

    lines = [
        "| variant | " + " | ".join([*sets, *types]) + " |",
        "|---" * (1 + len(sets) + len(types)) + "|",
    ]
    return "\n".join(lines + [row(label, by_set) for label, by_set in rows.items()])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sets", nargs="+", type=Path, help="evaluation set folders")
    parser.add_argument("--work", type=Path, help="library folders (default: a temporary folder)")
    parser.add_argument("--only", nargs="*", help="variant labels to run (default: all)")
    parser.add_argument("--numbers", type=Path, metavar="FILE", help="also write the results to FILE as JSON")
    args = parser.parse_args()
    measuring = NumbersRun()
    variants = {
        k: v for k, v in VARIANTS.items() if not args.only or k in args.only or k == "shipped (all signals)"
    }
    with tempfile.TemporaryDirectory(prefix="ablate-") as scratch:
        reports = ablate([s.resolve() for s in args.sets], args.work or Path(scratch), variants)
    found = results(reports, [s.resolve().name for s in args.sets])
    print(table(found))
    if args.numbers:
        measuring.write(args.numbers, found)


if __name__ == "__main__":
    main()
