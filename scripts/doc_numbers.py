#!/usr/bin/env python3
"""The documentation's measured tables, rendered from the files that `pagelens eval --numbers` and the
benchmarks' `--numbers` write (docs/numbers/NAME.json: results, commit, date, machine load), so that no
number in them is typed by hand.

    .venv/bin/python scripts/doc_numbers.py                    # render every marked table (make numbers)
    .venv/bin/python scripts/doc_numbers.py --check            # exit 1 naming each table that differs
    .venv/bin/python scripts/doc_numbers.py measure eval-dev   # run eval-dev's measurement again, then render
    .venv/bin/python scripts/doc_numbers.py measure eval-dev --library /tmp/dev   # extra options go to it

A marked table in README.md or docs/*.md is everything between `<!-- numbers: TABLE -->` and
`<!-- /numbers -->`; TABLE is a key of TABLES. Each table ends with a line naming the run behind each of
its files. MEASUREMENTS says which command writes which file; `tests/test_numbers.py` fails while a marked
table differs from what the files render (a hand edit, or a file measured again but not rendered).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NUMBERS = REPO / "docs" / "numbers"  # the one folder of measured results
PAGES = ["README.md", "docs/*.md"]
EVAL_SETS = Path("../shared/eval")  # beside the checkout, as the tests find them (commands run in REPO)
MARKED = re.compile(r"(<!-- numbers: ([\w-]+) -->\n)(.*?)(<!-- /numbers -->)", re.S)

# file name -> the command that measures it (FILE: where it writes); options after `measure NAME` are added
MEASUREMENTS: dict[str, list[str]] = {
    "eval-dev": [".venv/bin/pagelens", "eval", str(EVAL_SETS / "dev"), "--ask", "--numbers", "FILE"],
    "eval-dev2": [".venv/bin/pagelens", "eval", str(EVAL_SETS / "dev2"), "--ask", "--numbers", "FILE"],
    "startup": [".venv/bin/python", "bench/bench_startup.py", "--numbers", "FILE"],
    "token-codes": [".venv/bin/python", "bench/bench_token_codes.py", "--numbers", "FILE"],
    "ablation": [
        ".venv/bin/python",
        "bench/ablate_text_lane.py",
        str(EVAL_SETS / "dev"),
        str(EVAL_SETS / "dev2"),
        "--numbers",
        "FILE",
    ],
}


MISSING = "not measured yet"


def load(name: str) -> dict:
    """The record in docs/numbers/NAME.json; one with `results` None while the file is missing (its
    tables say so, and how to measure it)."""
    path = NUMBERS / f"{name}.json"
    if not path.is_file():
        return {"name": name, "results": None}
    return json.loads(path.read_text(encoding="utf-8"))


def source(record: dict) -> str:
    """Which run produced a file: command, commit, date, load on how many cores, wall and CPU time."""
    if record["results"] is None:
        return f"`{record['name']}.json`: {MISSING} (`scripts/doc_numbers.py measure {record['name']}`)"
    machine = record["machine"]
    commit = f"{record['commit'] or 'no git checkout'}{' + uncommitted changes' if record['dirty'] else ''}"
    return (
        f"`{record['name']}.json`: `{record['command']}` on {commit}, {record['date'].replace('T', ' ')[:16]} "
        f"UTC, load {machine['load_before'][0]:.1f} -> {machine['load_after'][0]:.1f} on {machine['cpus']} "
        f"cores, {machine['wall_s']:.0f} s wall / {machine['cpu_s']:.0f} s CPU"
    )


def measured(records: list[dict]) -> str:
    """The line (or list) under a table naming the run behind each of its files."""
    if len(records) == 1:
        return f"Measured: {source(records[0])}.\n"
    return "Measured:\n" + "".join(f"- {source(record)}\n" for record in records)


def table(header: list[str], rows: list[list[str]], records: list[dict]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n\n" + measured(records)


def _of(part: int | float, whole: int | float) -> str:
    return f"{int(part)}/{int(whole)}"


def eval_summary() -> str:
    """dev and dev2 side by side: retrieval, answers, abstention, conversations, speed."""
    from pagelens.eval.ask_eval import CV_FOLDS

    records = [load("eval-dev"), load("eval-dev2")]
    sets = [record["results"] for record in records]

    def row(what: str, cell: Callable[[dict], str]) -> list[str]:
        return [what, *(cell(results) if results else MISSING for results in sets)]

    def pairs(results: dict) -> str:
        crosslingual = results["by_type"].get("crosslingual")
        if not crosslingual:
            return "-"
        each = ", ".join(f"`{pair}` {m['ndcg@5']:.3f}" for pair, m in results["by_language_pair"].items())
        return f"{crosslingual['ndcg@5']:.3f} ({each})"

    def cross_validated(ask: dict) -> str:
        cv = ask["cross_validated"]
        return (
            f"{_of(cv['correct'], ask['answerable'])} correct, {int(cv['answered'])} answered, "
            f"{_of(cv['abstained'], ask['unanswerable'])} abstained"
        )

    def turns(ask: dict) -> str:
        kinds = ", ".join(
            f"{kind} {_of(v['correct'], v['turns'])}" for kind, v in ask["turns_by_kind"].items()
        )
        return f"{_of(ask['turns_correct'], ask['turns'])} ({kinds})"

    rows = [
        row("documents, pages", lambda r: f"{r['documents']}, {r['pages']}"),
        row(
            "nDCG@5 (plain bm25s, same pages)",
            lambda r: f"{r['overall']['ndcg@5']:.3f} ({r['baseline_overall']['ndcg@5']:.3f})",
        ),
        row(
            "Recall@1 / @5 / @10, MRR",
            lambda r: (
                " / ".join(f"{r['overall'][m]:.3f}" for m in ("recall@1", "recall@5", "recall@10"))
                + f", {r['overall']['mrr']:.3f}"
            ),
        ),
        row("crosslingual nDCG@5 (per language pair)", pairs),
        row("answers correct (of answerable)", lambda r: _of(r["ask"]["correct"], r["ask"]["answerable"])),
        row("answered", lambda r: _of(r["ask"]["answered"], r["ask"]["answerable"])),
        row(
            "unanswerable abstained on",
            lambda r: (
                f"{_of(r['ask']['abstained'], r['ask']['unanswerable'])} (threshold {r['ask']['threshold']:.2f})"
            ),
        ),
        row(f"{CV_FOLDS}-fold cross-validated threshold and factors", lambda r: cross_validated(r["ask"])),
        row("conversation turns correct (by kind)", lambda r: turns(r["ask"])),
        row(
            "seconds a question; search ms a query",
            lambda r: f"{r['ask']['mean_seconds']:.2f}; {r['search_ms_mean']:.1f}",
        ),
    ]
    return table(
        ["text lane, extractive answerer", "dev", "dev2 (a check set, never tuned on)"], rows, records
    )


def eval_types() -> str:
    """nDCG@5 (plain bm25s) and answers correct per query type, dev and dev2 side by side."""
    records = [load("eval-dev"), load("eval-dev2")]
    sets = [record["results"] for record in records]
    types = sorted({kind for results in sets if results for kind in results["by_type"]})

    def cell(results: dict | None, kind: str) -> str:
        if results is None:
            return MISSING
        if kind not in results["by_type"]:
            return "-"
        asked = results["ask"]["per_type"].get(kind, {})
        answers = f", {_of(asked['correct'], asked['queries'])} correct" if asked else ""
        return (
            f"{results['type_counts'][kind]}: {results['by_type'][kind]['ndcg@5']:.3f} "
            f"({results['baseline_by_type'][kind]['ndcg@5']:.3f}){answers}"
        )

    rows = [[kind, *(cell(results, kind) for results in sets)] for kind in types]
    return table(["query type", "dev", "dev2"], rows, records)


def startup() -> str:
    """Start-up of the app against `import gradio` in the same run (medians of the rounds)."""
    record = load("startup")
    if record["results"] is None:
        return measured([record])
    median, rounds = record["results"]["median"], record["results"]["rounds"]

    def row(what: str, key: str, base: str | None = None) -> list[str]:
        over = f" (+{median[key] - median[base]:.1f} s)" if base else ""
        over_cpu = f" (+{median[key + '_cpu'] - median[base + '_cpu']:.1f} s)" if base else ""
        return [what, f"{median[key]:.1f} s{over}", f"{median[key + '_cpu']:.1f} s{over_cpu}"]

    rows = [
        row('`python -c "import gradio"` (the baseline)', "gradio"),
        row("`python app.py`: first page served (over the import)", "served", "gradio"),
        row("`python app.py`: sample corpus searchable", "searchable"),
    ]
    loads = ", ".join(f"{r['load']:.1f}" for r in rounds)
    rows.append(["load average at each round's start", loads, ""])
    return table([f"start-up, median of {len(rounds)} rounds", "wall", "CPU"], rows, [record])


def token_codes() -> str:
    """Stored bytes per page vs recall@10 of the ColPali token codes; the shipped codec in bold."""
    from pagelens.config import Settings

    shipped = Settings.__dataclass_fields__
    default = (shipped["colpali_pool_factor"].default, shipped["colpali_token_dtype"].default)
    record = load("token-codes")
    results = record["results"]
    if results is None:
        return measured([record])
    rows = []
    for codec in results["codecs"]:
        cells = [
            str(codec["pool_factor"]),
            codec["dtype"],
            f"{codec['recall_at_10']:.3f}",
            f"{codec['bytes_per_page']:,.0f}",
            f"{codec['smaller_by']:.1f}x",
        ]
        if (codec["pool_factor"], codec["dtype"]) == default:
            cells = [f"**{cell}**" for cell in cells]
        rows.append([*cells, f"{codec['encode_ms_cpu']:.1f}"])
    header = ["pool factor", "dtype", "recall@10", "bytes/page", "smaller by", "encode CPU ms/page"]
    shape = (
        f"{results['pages']} pages of {results['tokens']} tokens x {results['dims']} dims, "
        f"{results['queries']} queries; smaller than float16 with every token (what the lane stored before).\n\n"
    )
    return shape + table(header, rows, [record])


def ablation() -> str:
    """nDCG@5 of the text lane with each signal off, dev and dev2 (the bench's own table)."""
    sys.path.insert(0, str(REPO / "bench"))
    from ablate_text_lane import table as ablation_table

    record = load("ablation")
    if record["results"] is None:
        return measured([record])
    return ablation_table(record["results"]) + "\n\n" + measured([record])


TABLES: dict[str, Callable[[], str]] = {
    "eval": eval_summary,
    "eval-types": eval_types,
    "startup": startup,
    "token-codes": token_codes,
    "ablation": ablation,
}


def pages() -> list[Path]:
    return sorted(path for pattern in PAGES for path in REPO.glob(pattern))


def rendered(text: str) -> str:
    """`text` with every marked table rendered from its files (an unknown table name is an error)."""

    def fill(match: re.Match) -> str:
        name = match.group(2)
        if name not in TABLES:
            raise SystemExit(f"unknown numbers table {name!r} (known: {', '.join(TABLES)})")
        return match.group(1) + TABLES[name]() + match.group(4)

    return MARKED.sub(fill, text)


def stale() -> list[str]:
    """`page: table` for each marked table that differs from what its files render."""
    found = []
    for path in pages():
        text = path.read_text(encoding="utf-8")
        for match in MARKED.finditer(text):
            if rendered(match.group(0)) != match.group(0):
                found.append(f"{path.relative_to(REPO)}: {match.group(2)}")
    return found


def render() -> list[str]:
    """Render every marked table in place; the pages that changed."""
    changed = []
    for path in pages():
        text = path.read_text(encoding="utf-8")
        new = rendered(text)
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(str(path.relative_to(REPO)))
    return changed


def measure(name: str, extra: list[str]) -> None:
    if name not in MEASUREMENTS:
        raise SystemExit(f"unknown measurement {name!r} (known: {', '.join(MEASUREMENTS)})")
    target = NUMBERS / f"{name}.json"
    where = str(target.relative_to(REPO))  # the command runs in the repository
    command = [where if word == "FILE" else word for word in MEASUREMENTS[name]] + extra
    subprocess.run(command, cwd=REPO, check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a marked table is not as rendered")
    sub = parser.add_subparsers(dest="action")
    again = sub.add_parser("measure", help="run a measurement again (then render)")
    again.add_argument("name", choices=sorted(MEASUREMENTS))
    args, extra = parser.parse_known_args()
    if extra and args.action != "measure":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.check:
        differing = stale()
        for each in differing:
            print(f"not as rendered from docs/numbers: {each} (run scripts/doc_numbers.py)", file=sys.stderr)
        return 1 if differing else 0
    if args.action == "measure":
        measure(args.name, extra)
    for path in render():
        print(f"rendered {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
