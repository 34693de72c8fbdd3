"""Interrupting `add` with kill -9 and running it again ends exactly like an uninterrupted run."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
import word_lane
from library_helpers import pdf_parts

from pagelens import Library, Settings
from pagelens.models import registry

ADD_SCRIPT = """
import sys, word_lane
word_lane.register()
from pagelens import Library
with Library(sys.argv[1], lanes=["words"]) as lib:
    for f in lib.add(sys.argv[2:]).files:
        print(f.status, f.name, f.pages, f.reason, flush=True)
"""


@pytest.fixture
def corpus(tmp_path, sample_docs) -> list[Path]:
    return pdf_parts(sample_docs / "gnuplot-expressions.pdf", tmp_path,
                     {"a.pdf": range(0, 12), "b.pdf": range(0, 6), "c.pdf": range(6, 12)})


def run_add(python, env, library: Path, files: list[Path]) -> subprocess.CompletedProcess:
    return subprocess.run([python, "-c", ADD_SCRIPT, str(library), *map(str, files)], env=env,
                          capture_output=True, text=True, timeout=300)


def state(library: Path) -> dict:
    """Everything a finished library holds: documents, page keys per document, vectors per document."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(registry._FAMILIES, "words", registry.LaneFamily("words", word_lane.factory()))
        with Library(library, lanes=["words"], settings=Settings.from_env()) as lib:
            collection = lib._chroma.client.get_collection("lane-words-v1")
            docs = {d.name: (d.doc_id, d.pages, d.status) for d in lib.documents()}
            keys = {d.name: [p.key for p in lib.pages(d.name)] for d in lib.documents()}
            vectors = {d.name: sorted(collection.get(where={"doc_id": d.doc_id})["ids"]) for d in lib.documents()}
            image_dirs = sorted(p.name for p in (library / "pages").iterdir())
            return {"docs": docs, "keys": keys, "vectors": vectors, "total_vectors": collection.count(),
                    "image_dirs": image_dirs, "pending": lib._catalog.pending_documents()}


def wait_for_pending_lane_work(catalog: Path, process: subprocess.Popen, timeout: float = 240) -> None:
    """Until one document is complete and another is half-way through the lanes (pages in, pending)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"add finished before it could be interrupted: {process.communicate()}"
        if catalog.exists():
            try:
                with sqlite3.connect(f"file:{catalog}?mode=ro", uri=True) as db:
                    statuses = dict(db.execute(
                        "SELECT status, COUNT(*) FROM documents WHERE pages > 0 GROUP BY status"))
            except sqlite3.OperationalError:  # schema not written yet
                statuses = {}
            if statuses.get("complete") and statuses.get("pending"):
                return
        time.sleep(0.05)
    raise AssertionError("the add never reached the lanes")


@pytest.mark.slow
def test_kill_9_during_add_then_rerun_matches_a_clean_run(tmp_path, corpus, python, subprocess_env):
    clean = run_add(python, subprocess_env, tmp_path / "clean", corpus)
    assert clean.returncode == 0, clean.stderr

    crashed = tmp_path / "crashed"
    slow_lane = {**subprocess_env, word_lane.INDEX_DELAY_ENV: "0.1"}
    process = subprocess.Popen([python, "-c", ADD_SCRIPT, str(crashed), *map(str, corpus)], env=slow_lane,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_pending_lane_work(crashed / "catalog.sqlite", process)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL

    rerun = run_add(python, subprocess_env, crashed, corpus)
    assert rerun.returncode == 0, rerun.stderr
    statuses = [line.split()[0] for line in rerun.stdout.splitlines()]
    assert "unchanged" in statuses and "added" in statuses  # the first run's finished work was kept

    expected, got = state(tmp_path / "clean"), state(crashed)
    assert got == expected
    assert got["total_vectors"] == sum(len(v) for v in got["vectors"].values()) == 24
    assert got["pending"] == []
