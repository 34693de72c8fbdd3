"""The `pagelens` command line, run as a real subprocess on real documents.

Most tests drive `pagelens.cli.main` in a child Python with the test word lane registered (fast, no
model); one runs the installed `pagelens` script with the default text lane end to end.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from library_helpers import free_port, stop_server, wait_for_http

GNUPLOT = "gnuplot-expressions.pdf"
WORDS_CLI = "import sys, word_lane; word_lane.register(); from pagelens.cli import main; sys.exit(main())"
PAGELENS = Path(sys.executable).with_name("pagelens")
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def cli(tmp_path, python, subprocess_env):
    """Run `pagelens ARGS... --library <tmp>/lib --lanes words` in a child process."""
    library = tmp_path / "lib"

    def run(*args: str, lanes: str = "words", env: dict | None = None) -> subprocess.CompletedProcess:
        command = [python, "-c", WORDS_CLI, *args]
        if args and not args[0].startswith("-"):
            command += ["--library", str(library), "--lanes", lanes]
        return subprocess.run(command, env=env or subprocess_env, capture_output=True, text=True, timeout=300)

    run.library, run.command, run.env = library, [python, "-c", WORDS_CLI], subprocess_env
    return run


def test_add_list_search_remove_with_json(cli, sample_docs):
    added = cli("add", str(sample_docs / GNUPLOT), "--json")
    assert added.returncode == 0, added.stderr
    report = json.loads(added.stdout)
    assert report["ok"] is True
    assert [(f["name"], f["status"], f["pages"]) for f in report["files"]] == [(GNUPLOT, "added", 12)]
    assert "\r" not in added.stderr  # no progress bar when stderr is not a terminal

    again = cli("add", str(sample_docs / GNUPLOT))
    assert again.returncode == 0 and again.stdout.startswith(f"unchanged  {GNUPLOT} (12 pages)")

    listed = json.loads(cli("list", "--json").stdout)
    assert [(d["name"], d["pages"], d["kind"], d["status"]) for d in listed] == [
        (GNUPLOT, 12, "pdf", "complete")
    ]

    found = cli("search", "ternary operator expression", "-k", "3", "--json")
    assert found.returncode == 0, found.stderr
    hits = json.loads(found.stdout)
    assert len(hits) == 3 and [h["rank"] for h in hits] == [1, 2, 3]
    assert all(h["doc"] == GNUPLOT and 1 <= h["page"] <= 12 and Path(h["image_path"]).is_file() for h in hits)
    assert {"score", "text", "regions", "lanes", "doc_id", "key"} <= set(hits[0])
    assert hits[0]["lanes"]["words"]["rank"] == 1

    human = cli("search", "ternary operator expression", "-k", "2")
    lines = human.stdout.splitlines()
    assert len(lines) == 2 and lines[0].startswith("  1. ") and f"{GNUPLOT} p.{hits[0]['page']}" in lines[0]

    removed = cli("remove", GNUPLOT)
    assert removed.returncode == 0 and removed.stdout.strip() == f"removed {GNUPLOT}"
    assert json.loads(cli("list", "--json").stdout) == []
    missing = cli("remove", GNUPLOT)
    assert missing.returncode == 1 and "no document named" in missing.stderr


def test_a_known_file_under_a_new_name_says_where_it_already_is(cli, tmp_path, sample_docs):
    twin = shutil.copy(sample_docs / GNUPLOT, tmp_path / "copy.pdf")
    assert cli("add", str(sample_docs / GNUPLOT)).returncode == 0
    again = cli("add", str(twin))
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == f"unchanged  copy.pdf (12 pages): already in the library as {GNUPLOT}"
    [outcome] = json.loads(cli("add", str(twin), "--json").stdout)["files"]
    assert (outcome["status"], outcome["reason"]) == ("unchanged", f"already in the library as {GNUPLOT}")
    assert [d["name"] for d in json.loads(cli("list", "--json").stdout)] == [GNUPLOT]


def test_a_failed_file_exits_1_and_says_why_on_stderr(cli, tmp_path, sample_docs):
    bogus = tmp_path / "bogus.pdf"
    bogus.write_text("this is not a PDF")
    result = cli("add", str(sample_docs / GNUPLOT), str(bogus))
    assert result.returncode == 1
    assert f"added      {GNUPLOT} (12 pages)" in result.stdout
    assert "failed     bogus.pdf: " in result.stderr and "1 added, 1 failed" in result.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (("search", "   "), "empty query"),
        (("search", "x", "-k", "0"), "k must be"),
        (("search",), "give a QUERY"),
    ],
)
def test_bad_queries_are_usage_errors(cli, args, message):
    result = cli(*args)
    assert result.returncode == 2 and message in result.stderr and result.stdout == ""


def test_unknown_lane_and_unknown_command_are_usage_errors(cli):
    lane = cli("list", lanes="nope")
    assert lane.returncode == 2 and "unknown lane 'nope'" in lane.stderr
    assert cli("frobnicate").returncode == 2


def test_a_busy_library_is_a_clear_error(cli, subprocess_env, python, sample_docs):
    """A second process reads a library another process writes, and is refused writing with the writer's pid."""
    cli("list")  # creates the library
    holder = subprocess.Popen(
        [
            python,
            "-c",
            "import sys, word_lane; word_lane.register(); from pagelens import Library; "
            f"lib = Library({str(cli.library)!r}, lanes=['words']); print('open', flush=True); "
            "sys.stdin.read()",
        ],
        env=subprocess_env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        assert cli("list").returncode == 0  # reading goes on beside the writer
        busy = cli("add", str(sample_docs / "booktabs-page2.png"))
        assert busy.returncode == 1 and f"written by another process (pid {holder.pid})" in busy.stderr
    finally:
        holder.communicate("", timeout=60)
    assert cli("list").returncode == 0


@pytest.mark.slow
def test_installed_script_with_the_default_text_lane(tmp_path, sample_docs, offline_env):
    if not PAGELENS.exists():
        pytest.skip(f"the console script is not installed next to {sys.executable}")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(sample_docs / GNUPLOT, corpus)
    shutil.copy(sample_docs / "maxima-finance.html", corpus)
    env = {**offline_env, "PAGELENS_LIBRARY": str(tmp_path / "lib")}

    def pagelens(*args):
        return subprocess.run([str(PAGELENS), *args], env=env, capture_output=True, text=True, timeout=600)

    added = pagelens("add", str(corpus))
    assert added.returncode == 0, added.stderr
    assert {line.split()[1] for line in added.stdout.splitlines()} == {GNUPLOT, "maxima-finance.html"}
    hits = json.loads(pagelens("search", "present value of an annuity", "--json", "-k", "3").stdout)
    assert hits[0]["doc"] == "maxima-finance.html" and set(hits[0]["lanes"]) == {"text"}
    assert json.loads(pagelens("list", "--json").stdout)[0]["name"] == GNUPLOT


def gnuplot_eval_set(dev_dir: Path, target: Path) -> int:
    """A small evaluation set in the dev format: gnuplot-expressions.pdf and the dev queries about it."""
    (target / "docs").mkdir(parents=True)
    shutil.copy(dev_dir / "docs" / GNUPLOT, target / "docs")
    lines = [
        line
        for line in (dev_dir / "queries.jsonl").read_text().splitlines()
        if json.loads(line)["gold"] and all(g["doc"] == GNUPLOT for g in json.loads(line)["gold"])
    ]
    (target / "queries.jsonl").write_text("\n".join(lines) + "\n")
    return len(lines)


@pytest.mark.slow
def test_eval_with_ask_reports_retrieval_and_answer_metrics(cli, tmp_path, dev_dir):
    count = gnuplot_eval_set(dev_dir, tmp_path / "set")
    assert count >= 3
    numbers = str(tmp_path / "numbers" / "small.json")
    result = subprocess.run(
        [
            *cli.command,
            "eval",
            str(tmp_path / "set"),
            "--ask",
            "--json",
            "--lanes",
            "words",
            "--numbers",
            numbers,
        ],
        env=cli.env,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["scored"] == count and report["lanes"] == ["words"] and report["failed_documents"] == {}
    assert set(report["overall"]) == {"ndcg@5", "recall@1", "recall@5", "recall@10", "mrr"}
    assert 0 < report["overall"]["recall@10"] <= 1
    assert report["ask"]["queries"] == count and 0 <= report["ask"]["citation_hit_rate"] <= 1

    # --numbers: the same results without the per-query rows, with where and when they were measured
    record = json.loads(Path(numbers).read_text())
    assert record["results"] == {key: value for key, value in report.items() if key != "queries"}
    assert record["name"] == "small" and "eval" in record["command"] and "--numbers" in record["command"]
    head = subprocess.run(
        ["git", "rev-parse", "--short=10", "HEAD"], cwd=REPO, capture_output=True, text=True
    )
    assert record["commit"] == (head.stdout.strip() or None) and isinstance(record["dirty"], bool)
    assert abs(datetime.fromisoformat(record["date"]) - datetime.now(UTC)) < timedelta(minutes=15)
    machine = record["machine"]
    assert machine["cpus"] >= 1 and len(machine["load_before"]) == len(machine["load_after"]) == 3
    assert 0 < machine["wall_s"] < 600 and machine["cpu_s"] > 0


def test_ask_prints_an_answer_with_cited_pages(cli, sample_docs):
    assert cli("add", str(sample_docs / GNUPLOT)).returncode == 0
    result = cli("ask", "How does gnuplot interpret a numeric constant written with a leading 0x?", "--json")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert set(answer) == {"text", "citations", "steps", "answerable", "confidence", "gaps"}
    assert answer["text"]
    assert answer["steps"] and all({"kind", "title", "detail"} == set(s) for s in answer["steps"])
    assert all(c["doc"] == GNUPLOT and 1 <= c["page"] <= 12 for c in answer["citations"])
    human = cli("ask", "How does gnuplot interpret a numeric constant written with a leading 0x?")
    assert human.returncode == 0 and human.stdout.splitlines()[0] == answer["text"].splitlines()[0]


@pytest.mark.slow
def test_serve_starts_the_app_on_the_library_and_holds_it(tmp_path, offline_env):
    if not PAGELENS.exists():
        pytest.skip(f"the console script is not installed next to {sys.executable}")
    port, library = free_port(), tmp_path / "lib"
    server = subprocess.Popen(
        [str(PAGELENS), "serve", "--library", str(library), "--port", str(port)],
        env=offline_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for_http(server, f"http://127.0.0.1:{port}/", timeout_s=480, what="pagelens serve")
        beside = subprocess.run(
            [str(PAGELENS), "list", "--library", str(library)],
            env=offline_env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert beside.returncode == 0, beside.stderr  # a terminal reads the library the app holds
        busy = subprocess.run(
            [str(PAGELENS), "remove", "--library", str(library), "nothing.pdf"],
            env=offline_env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert busy.returncode == 1 and "written by another process" in busy.stderr
    finally:
        stop_server(server)
    listed = subprocess.run(
        [str(PAGELENS), "list", "--json", "--library", str(library)],
        env=offline_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert listed.returncode == 0, listed.stderr
    # the app loads the sample corpus in the background; stopped at any point, what is listed is whole
    assert all(d["status"] == "complete" for d in json.loads(listed.stdout))
