"""`Library.add` throughput of two source trees on the same files, alternating, in one run: what a change
costs at ingest (the text lane's analysis, language detection, ...), not just in the rendering worker
that bench_ingest.py times.

    nice .venv/bin/python bench/bench_add_ab.py BASE_SRC NEW_SRC [--docs DIR] [--rounds 2]

BASE_SRC and NEW_SRC are `src` folders (e.g. of a `git worktree add /tmp/base main~1`); each round adds the
documents to a fresh library once with each tree, in a child process, and prints pages/s (wall and CPU of
the child, its own and its waited-for children's CPU) with the load average; the ratios are of the medians.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

DEFAULT_DOCS = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "dev2" / "docs"
CHILD = """
import json, resource, sys, time
from pagelens import Library
start = time.perf_counter()
with Library(sys.argv[1]) as lib:
    report = lib.add([sys.argv[2]], progress=False)
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_SELF)
children = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = usage.ru_utime + usage.ru_stime + children.ru_utime + children.ru_stime
print(json.dumps({"pages": sum(f.pages for f in report.files), "wall": wall, "cpu": cpu}))
"""


def add_once(src: Path, docs: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix="pagelens-ab-") as folder:
        env = {**os.environ, "PYTHONPATH": str(src), "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(Path(folder) / "lib"), str(docs)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("base", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--docs", type=Path, default=DEFAULT_DOCS)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    rates: dict[str, list[float]] = {"base": [], "new": []}
    per_cpu: dict[str, list[float]] = {"base": [], "new": []}
    for round_ in range(args.rounds):
        for name in ("base", "new") if round_ % 2 == 0 else ("new", "base"):
            run = add_once(getattr(args, name), args.docs)
            rates[name].append(run["pages"] / run["wall"])
            per_cpu[name].append(run["pages"] / run["cpu"])
            print(
                f"round {round_ + 1} {name}: {run['pages']} pages, {run['pages'] / run['wall']:.2f} pages/s wall, "
                f"{run['pages'] / run['cpu']:.2f} pages per CPU s, load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
    for label, values in (("pages/s wall", rates), ("pages per CPU s", per_cpu)):
        ratio = statistics.median(values["new"]) / statistics.median(values["base"])
        print(f"new / base {label} (medians): {ratio:.2f}")


if __name__ == "__main__":
    main()
