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
from pagelens.lanes import registry

ADD_SCRIPT = """
import sys, word_lane
word_lane.register()
from pagelens import Library
lanes, library, files = sys.argv[1].split(","), sys.argv[2], sys.argv[3:]
with Library(library, lanes=lanes) as lib:
    for f in lib.add(files).files:
        print(f.status, f.name, f.pages, f.reason, flush=True)
"""


@pytest.fixture
def corpus(tmp_path, sample_docs) -> list[Path]:
    return pdf_parts(
        sample_docs / "gnuplot-expressions.pdf",
        tmp_path,
        {"a.pdf": range(0, 12), "b.pdf": range(0, 6), "c.pdf": range(6, 12)},
    )


def run_add(
    python, env, library: Path, files: list[Path], lanes: str = "words"
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [python, "-c", ADD_SCRIPT, lanes, str(library), *map(str, files)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def kill_9(process: subprocess.Popen) -> None:
    """SIGKILL, as a power cut or the OOM killer would; the process is gone when this returns."""
    try:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL


def state(library: Path) -> dict:
    """Everything a finished library holds: documents, page keys per document, vectors per document."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(registry._FAMILIES, "words", registry.LaneFamily("words", word_lane.factory()))
        with Library(library, lanes=["words"], settings=Settings.from_env()) as lib:
            collection = lib._chroma.client.get_collection("lane-words-v1")
            docs = {d.name: (d.doc_id, d.pages, d.status) for d in lib.documents()}
            keys = {d.name: [p.key for p in lib.pages(d.name)] for d in lib.documents()}
            vectors = {
                d.name: sorted(collection.get(where={"doc_id": d.doc_id})["ids"]) for d in lib.documents()
            }
            image_dirs = sorted(p.name for p in (library / "pages").iterdir())
            return {
                "docs": docs,
                "keys": keys,
                "vectors": vectors,
                "total_vectors": collection.count(),
                "image_dirs": image_dirs,
                "pending": lib._catalog.pending_documents(),
            }


def wait_for_pending_lane_work(catalog: Path, process: subprocess.Popen, timeout: float = 240) -> None:
    """Until one document is complete and another is half-way through the lanes (pages in, pending)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"add finished before it could be interrupted: {process.communicate()}"
        if catalog.exists():
            try:
                with sqlite3.connect(f"file:{catalog}?mode=ro", uri=True) as db:
                    statuses = dict(
                        db.execute("SELECT status, COUNT(*) FROM documents WHERE pages > 0 GROUP BY status")
                    )
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
    process = subprocess.Popen(
        [python, "-c", ADD_SCRIPT, "words", str(crashed), *map(str, corpus)],
        env=slow_lane,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for_pending_lane_work(crashed / "catalog.sqlite", process)
    kill_9(process)

    rerun = run_add(python, subprocess_env, crashed, corpus)
    assert rerun.returncode == 0, rerun.stderr
    statuses = [line.split()[0] for line in rerun.stdout.splitlines()]
    assert "unchanged" in statuses and "added" in statuses  # the first run's finished work was kept

    expected, got = state(tmp_path / "clean"), state(crashed)
    assert got == expected
    assert got["total_vectors"] == sum(len(v) for v in got["vectors"].values()) == 24
    assert got["pending"] == []


@pytest.mark.slow
def test_an_upload_interrupted_by_kill_9_leaves_no_copy_behind(tmp_path, corpus, python, subprocess_env):
    """The app stages each upload as `<library>/uploads/<hash>/<name>` before adding it; a kill -9 while
    the second file goes into the lanes leaves it pending, and reopening the library cleans it and its copy
    (found by the Hypothesis state machine: an interrupted update's copy was left in uploads/)."""
    from pagelens.ui.uploads import stage_uploads

    library = tmp_path / "library"
    library.mkdir()
    copies = stage_uploads(corpus[:2], library, 2**30).files
    process = subprocess.Popen(
        [python, "-c", ADD_SCRIPT, "words", str(library), *map(str, copies)],
        env={**subprocess_env, word_lane.INDEX_DELAY_ENV: "0.1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for_pending_lane_work(library / "catalog.sqlite", process)
    kill_9(process)

    got = state(library)  # opening cleans the pending add
    [kept] = [copy for copy in copies if copy.name in got["docs"]]  # either may finish first
    [lost] = [copy for copy in copies if copy is not kept]
    assert got["pending"] == [] and kept.exists()
    assert not lost.exists() and not lost.parent.exists()


KILL_IN_COMMIT_SCRIPT = """
import sys, time
from pagelens import Library
from pagelens.lanes.text import bm25_index, segments

point, library, files = sys.argv[1], sys.argv[2], sys.argv[3:]
owner, name = (segments, "_fsync_dir") if point == "segment-written" else (bm25_index.LexicalIndex, "_merge_tiers")
real, calls = getattr(owner, name), []

def stall(*args):
    calls.append(args)
    if len(calls) == 2:  # the second document: the first one is complete by now
        print("STALLED", flush=True)
        time.sleep(120)  # the test kills this process here
    return real(*args)

setattr(owner, name, stall)
with Library(library, lanes=["text"]) as lib:
    for f in lib.add(files).files:
        print(f.status, f.name, f.pages, f.reason, flush=True)
"""


def text_lane_state(library: Path) -> dict:
    """Catalog documents and pages, the lexical index's live page keys (with repeats) and its segment
    folders, and the text lane's passage ids in Chroma."""
    import chromadb
    import numpy as np

    from pagelens.lanes.text.bm25_index import LexicalIndex

    with Library(library, lanes=["text"], settings=Settings.from_env()) as lib:
        docs = {d.name: (d.doc_id, d.pages, d.status) for d in lib.documents()}
        keys = sorted(p.key for d in lib.documents() for p in lib.pages(d.name))
    folder = library / "lanes" / "text"
    index = LexicalIndex(folder, k1=1.5, b=0.5, writable=False)
    snapshot = index.snapshot()
    live = sorted(
        k.decode()
        for part in snapshot.parts
        for k in (part.segment.keys if part.live is None else part.segment.keys[np.asarray(part.live)])
    )
    listed = {f"seg-{part.seg_id}" for part in snapshot.parts}
    index.close()
    client = chromadb.PersistentClient(path=str(library / "chroma"))
    [name] = [c.name for c in client.list_collections() if c.name.startswith("lane-text")]
    passages = sorted(client.get_collection(name).get(include=[])["ids"])
    return {
        "docs": docs,
        "keys": keys,
        "lexical": live,
        "unlisted_folders": sorted(p.name for p in (folder / "segments").iterdir() if p.name not in listed),
        "passage_pages": sorted({p.split("#")[0] for p in passages}),
        "passages": len(passages),
    }


@pytest.mark.slow
@pytest.mark.parametrize("point", ["segment-written", "lexical-committed"])
def test_kill_9_inside_a_lexical_index_commit_then_rerun_matches_a_clean_run(
    tmp_path, corpus, python, subprocess_env, point
):
    """Killed after a segment's files are on disk but before the manifest lists them, or after the lexical
    commit while the document is still pending: reopening drops the orphan folder / the pending pages, and
    running the add again ends with each page exactly once, like a clean run."""
    clean = run_add(python, subprocess_env, tmp_path / "clean", corpus, lanes="text")
    assert clean.returncode == 0, clean.stderr
    crashed = tmp_path / "crashed"
    process = subprocess.Popen(
        [python, "-c", KILL_IN_COMMIT_SCRIPT, point, str(crashed), *map(str, corpus)],
        env=subprocess_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline().strip() == "STALLED", process.communicate()
    kill_9(process)
    rerun = run_add(python, subprocess_env, crashed, corpus, lanes="text")
    assert rerun.returncode == 0, rerun.stderr
    expected, got = text_lane_state(tmp_path / "clean"), text_lane_state(crashed)
    assert got["lexical"] == got["keys"] == expected["keys"]  # every page once: none lost, none twice
    assert got["unlisted_folders"] == []
    assert {k: v for k, v in got.items() if k != "unlisted_folders"} == {
        k: v for k, v in expected.items() if k != "unlisted_folders"
    }
