"""Visual lanes encode behind the add (index/background.py): the text lane finds a file at once, the
queue on disk survives kill -9 and resumes, removing a document cancels its queued pages, and the CLI
and the API say how far each visual lane is. A tiny random-weight CLIP model, real Chroma, real PDFs."""

from __future__ import annotations

import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from library_helpers import pdf_parts
from test_library_crash import kill_9
from tiny_models import build_tiny_clip

from pagelens import Library
from pagelens.lanes.visual.base import open_page_image

pytestmark = pytest.mark.visual


@pytest.fixture(scope="module")
def clip_lane(tmp_path_factory) -> str:
    name, checkpoint = build_tiny_clip(tmp_path_factory.mktemp("clip-model"))
    return f"clip:{name}/{checkpoint}"


@pytest.fixture
def pdfs(tmp_path: Path, sample_docs: Path) -> list[Path]:
    return pdf_parts(
        sample_docs / "gnuplot-expressions.pdf", tmp_path, {"all.pdf": range(0, 12), "more.pdf": range(0, 5)}
    )


class Gate:
    """Holds every visual-lane batch until opened, so a test sees the queue as it is mid-encode."""

    def __init__(self, monkeypatch) -> None:
        from pagelens.lanes.visual.base import SingleVectorLane

        self.open, self.entered = threading.Event(), threading.Event()
        index = SingleVectorLane.index

        def gated(lane, pages):
            self.entered.set()
            assert self.open.wait(120), "the test never opened the gate"
            index(lane, pages)

        monkeypatch.setattr(SingleVectorLane, "index", gated)


def vector_ids(lib: Library, lane: str, doc_id: str) -> list[str]:
    return sorted(lib._lanes[lane].collection.get(where={"doc_id": doc_id})["ids"])


def test_text_lane_finds_a_file_while_its_visual_pages_wait(clip_lane, pdfs, tmp_path, monkeypatch):
    gate = Gate(monkeypatch)
    with Library(tmp_path / "lib", lanes=["text", clip_lane]) as lib:
        report = lib.add([pdfs[0]])  # returns with the visual encoder held
        assert [(f.status, f.pages) for f in report.files] == [("added", 12)]
        assert gate.entered.wait(60)
        [progress] = lib.lane_progress()
        assert (progress.lane, progress.done, progress.total) == (clip_lane, 0, 12)
        assert progress.line() == f"visual lane {clip_lane}: 0/12 pages"
        [doc] = lib.documents()
        assert doc.status == "complete" and doc.queued == {clip_lane: 12}

        hits = lib.search("gnuplot expressions", k=3)  # both lanes fused: only the text lane has pages
        assert hits and hits[0].doc == "all.pdf" and set().union(*(h.lanes for h in hits)) == {"text"}
        assert lib.search("gnuplot expressions", k=3, lanes=[clip_lane]) == []

        gate.open.set()
        assert lib.wait_for_lanes(120)
        [progress] = lib.lane_progress()
        assert (progress.done, progress.total, progress.error) == (12, 12, "")
        assert progress.seconds_per_page is not None and progress.seconds_per_page > 0
        assert lib.documents()[0].queued == {}
        assert len(vector_ids(lib, clip_lane, doc.doc_id)) == 12
        assert clip_lane in set().union(*(h.lanes for h in lib.search("gnuplot expressions", k=3)))


def test_remove_cancels_queued_pages_and_the_batch_in_hand(clip_lane, pdfs, tmp_path, monkeypatch):
    gate = Gate(monkeypatch)
    with Library(tmp_path / "lib", lanes=["text", clip_lane]) as lib:
        lib.add(pdfs)
        assert gate.entered.wait(60)  # the first batch of all.pdf is being encoded
        removed = lib.documents()[0]
        assert removed.name == "all.pdf" and removed.queued == {clip_lane: 12}
        assert lib.remove("all.pdf")
        assert set(lib._queue.counts()[clip_lane]) == {lib.documents()[0].doc_id}  # more.pdf's pages only
        assert lib._queue.to_forget() == [(clip_lane, removed.doc_id)]

        gate.open.set()  # the batch in hand lands in the lane after the remove deleted the document there
        assert lib.wait_for_lanes(120)
        assert vector_ids(lib, clip_lane, removed.doc_id) == []  # ... and is deleted again
        assert lib._queue.to_forget() == [] and lib._queue.counts() == {}
        kept = lib.documents()[0]
        assert len(vector_ids(lib, clip_lane, kept.doc_id)) == 5
        assert lib._lanes[clip_lane].collection.count() == 5


def test_replacing_a_document_cancels_the_old_versions_queued_pages(
    clip_lane, pdfs, tmp_path, monkeypatch, sample_docs
):
    gate = Gate(monkeypatch)
    with Library(tmp_path / "lib", lanes=["text", clip_lane]) as lib:
        lib.add(pdfs)
        assert gate.entered.wait(60)  # the first batch of all.pdf (12 pages) is being encoded
        old = lib.documents()[0]
        assert old.name == "all.pdf" and old.queued == {clip_lane: 12}
        (tmp_path / "v2").mkdir()
        shorter = pdf_parts(
            sample_docs / "gnuplot-expressions.pdf", tmp_path / "v2", {"all.pdf": range(0, 3)}
        )
        assert [f.status for f in lib.add(shorter, replace=True).files] == ["updated"]
        new = next(d for d in lib.documents() if d.name == "all.pdf")
        assert new.doc_id != old.doc_id and new.queued == {clip_lane: 3}  # the old version's 12 are gone
        assert (clip_lane, old.doc_id) in lib._queue.to_forget()

        gate.open.set()
        assert lib.wait_for_lanes(120)
        assert vector_ids(lib, clip_lane, old.doc_id) == []  # the batch in hand is deleted again
        assert len(vector_ids(lib, clip_lane, new.doc_id)) == 3
        assert lib._lanes[clip_lane].collection.count() == 3 + 5


# open_clip knows the tiny model's architecture only once its JSON config is registered (argv[1])
REGISTER_TINY_CLIP = "import sys, open_clip; open_clip.add_model_config(sys.argv.pop(1))\n"
ADD_SLOWLY = (
    REGISTER_TINY_CLIP
    + """
import sys, time
from pagelens import Library
from pagelens.lanes.visual.base import open_page_image
from pagelens.lanes.visual.base import SingleVectorLane

index = SingleVectorLane.index
SingleVectorLane.index = lambda lane, pages: (time.sleep(1.0), index(lane, pages))
lanes, library, files = sys.argv[1].split(","), sys.argv[2], sys.argv[3:]
with Library(library, lanes=lanes, settings=None) as lib:
    print([f.status for f in lib.add(files).files], flush=True)
    lib.wait_for_lanes()
"""
)

CLI = REGISTER_TINY_CLIP + "from pagelens.cli import main; sys.exit(main())"


def queued_pages(library: Path) -> int | None:
    """Rows left in the queue file (None before the add has put any there)."""
    try:
        with sqlite3.connect(f"file:{library / 'lane-queue.sqlite'}?mode=ro", uri=True) as db:
            return db.execute("SELECT COUNT(*) FROM queued").fetchone()[0]
    except sqlite3.OperationalError:
        return None


@pytest.mark.slow
def test_queued_visual_pages_survive_kill_9_and_resume(clip_lane, pdfs, tmp_path, python, subprocess_env):
    library = tmp_path / "crashed"
    config = str(Path(clip_lane.partition("/")[2]).with_suffix(".json"))
    process = subprocess.Popen(
        [python, "-c", ADD_SLOWLY, config, f"text,{clip_lane}", str(library), str(pdfs[0])],
        env={**subprocess_env, "PAGELENS_BATCH_SIZE": "2"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 300
    while not (left := queued_pages(library)) or left > 8:  # some batches encoded, most still queued
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the visual lane never started"
        time.sleep(0.05)
    kill_9(process)

    listed = subprocess.run(
        [python, "-c", CLI, config, "list", "--library", str(library), "--lanes", f"text,{clip_lane}"],
        env=subprocess_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert listed.returncode == 0, listed.stderr
    done = 12 - queued_pages(library)
    assert 0 < done < 12
    assert (
        "all.pdf  (pdf, 12 pages" in listed.stdout
        and f"[{clip_lane}: {12 - done} pages queued]" in listed.stdout
    )
    assert f"visual lane {clip_lane}: {done}/12 pages" in listed.stdout  # listing encodes nothing

    again = subprocess.run(  # adding the file again: unchanged, and the queue resumes
        [
            python,
            "-c",
            CLI,
            config,
            "add",
            str(pdfs[0]),
            "--library",
            str(library),
            "--lanes",
            f"text,{clip_lane}",
        ],
        env=subprocess_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("unchanged  all.pdf (12 pages)")
    assert f"visual lane {clip_lane}: {done}/12 pages" in again.stderr  # said before it encodes
    assert again.stderr.rstrip().endswith(f"visual lane {clip_lane}: 12/12 pages")
    assert queued_pages(library) == 0
    with Library(library, lanes=["text", clip_lane]) as resumed:
        assert resumed.documents()[0].status == "complete" and resumed.lane_progress()[0].done == 12
        lane = resumed._lanes[clip_lane]
        got = lane.collection.get(include=["embeddings"])
        pages = {page.key: page for page in resumed.pages("all.pdf")}
        assert sorted(got["ids"]) == sorted(pages)  # every page once, whether before or after the kill
        images = [open_page_image(pages[key].image_path, resumed.settings.max_pixels) for key in got["ids"]]
        # each page's own vector (batches of another size round differently, by ~2e-4)
        np.testing.assert_allclose(got["embeddings"], lane.encoder.embed_images(images), atol=2e-3)


def test_cpu_cost_and_resolution_from_the_measured_table():
    """Without a GPU a new visual lane encodes at a quarter of the patches, a library keeps what its lanes
    were indexed with, a value set by the user wins; the cost a page comes from the measured table."""
    from pagelens.config import Settings
    from pagelens.index.background import LaneProgress
    from pagelens.lanes.visual.cost import (
        CPU_MAX_PIXELS,
        CPU_SECONDS_A_PAGE,
        GPU_MAX_PIXELS,
        page_cost,
        resolve_max_pixels,
    )

    cpu = Settings.from_env({}, device="cpu")
    assert resolve_max_pixels(cpu, ["text", "dse"], {}) == CPU_MAX_PIXELS
    assert resolve_max_pixels(cpu, ["text", "dse"], {"dse": {"max_pixels": GPU_MAX_PIXELS}}) == GPU_MAX_PIXELS
    assert resolve_max_pixels(cpu.replace(max_pixels=12345), ["dse"], {}) == 12345
    assert resolve_max_pixels(cpu, ["text"], {}) == GPU_MAX_PIXELS  # no visual lane: nothing to save

    small = cpu.replace(max_pixels=CPU_MAX_PIXELS)
    assert page_cost("dse", small).cpu_seconds == pytest.approx(CPU_SECONDS_A_PAGE["dse"] / 4)
    assert page_cost("clip", small).cpu_seconds == CPU_SECONDS_A_PAGE["clip"]  # CLIP sees 224 x 224 anyway
    assert page_cost("colpali:vidore/colqwen2-v1.0", small) is not None  # the default, named
    assert page_cost("dse:/models/my-dse", small) is None and page_cost("text", small) is None

    line = LaneProgress("dse", 0, 500, seconds_per_page=24.25, estimated=True).line()
    assert line == (
        "visual lane dse: 0/500 pages, about 3.4 h left at ~24 s a page "
        "(estimated for this CPU from the measured table)"
    )
