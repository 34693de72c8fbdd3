"""Files in parallel (`settings.workers`): the same library as one worker, failures stay per file,
progress in pages, and an interrupted batch stops its workers."""

from __future__ import annotations

import hashlib
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from ingest_files import FONT_RESOURCES, hanging_pdf, text_content, write_pdf
from library_helpers import pdf_parts

from pagelens import AddProgress, Library, Settings
from pagelens.errors import IngestError
from pagelens.ingest.batch import FileRendered, FileTask, ingest_files


def corpus(dev_docs: Path, folder: Path) -> Path:
    """Real files of every kind: PDF excerpts (one long enough to be split into page ranges), an HTML
    page, a page image and a scanned page (OCR)."""
    folder.mkdir()
    pdf_parts(
        dev_docs / "r-intro.pdf", folder, {"r-intro-a.pdf": range(10, 20), "r-intro-b.pdf": range(40, 43)}
    )
    pdf_parts(dev_docs / "gnuplot-expressions.pdf", folder, {"gnuplot.pdf": range(0, 4)})
    pdf_parts(dev_docs / "r-data-scan.pdf", folder, {"scan.pdf": range(0, 1)})
    for name in ("maxima-finance.html", "booktabs-page2.png"):
        (folder / name).write_bytes((dev_docs / name).read_bytes())
    return folder


def snapshot(lib: Library) -> dict:
    """Everything an equal library must share: documents, page keys, texts and images, every collection's
    ids and vectors (bit for bit), and the text lane's postings, lengths, region terms and looks by page."""
    docs = [(d.name, d.doc_id, d.pages, d.status) for d in lib.documents()]
    pages = {
        d.name: [
            (
                p.key,
                p.text,
                p.text_source,
                Path(p.image_path).name,
                hashlib.sha256(Path(p.image_path).read_bytes()).hexdigest(),
            )
            for p in lib.pages(d.name)
        ]
        for d in lib.documents()
    }
    client = lib._chroma.client
    vectors = {}
    for c in client.list_collections():
        found = client.get_collection(c.name).get(include=["embeddings", "metadatas"])
        vectors[c.name] = sorted(
            (i, np.asarray(e, dtype=np.float32).tobytes(), sorted(m.items()))
            for i, e, m in zip(found["ids"], found["embeddings"], found["metadatas"])
        )
    return {"docs": docs, "pages": pages, "vectors": vectors, "text lane": text_lane_content(lib)}


def text_lane_content(lib: Library) -> dict:
    """By page key (segments' row order follows the order files finished in): each field's postings
    (term hash, frequency) and length, the regions' terms and the stored look."""
    lane = lib._lanes["text"]
    postings: dict[str, list] = {}
    lengths: dict[str, list] = {}
    for part in lane._lexical.snapshot().parts:
        keys = [key.decode() for key in part.segment.keys.tolist()]
        for field in ("uni", "bi"):
            fielded = getattr(part.segment, field)
            for term, row, tf in zip(*(array.tolist() for array in fielded.entries())):
                postings.setdefault(keys[row], []).append((field, term, tf))
            for key, length in zip(keys, fielded.lengths.tolist()):
                lengths.setdefault(key, []).append((field, length))
    keys = sorted(lengths)
    return {
        "postings": {key: sorted(found) for key, found in postings.items()},
        "lengths": lengths,
        "regions": {
            key: [sorted(r) for r in regions] for key, regions in lane._lexical.regions(keys).items()
        },
        "looks": {key: look.to_json() for key, look in lane._looks.get(keys).items()},
    }


def render_only(tasks, settings):
    """`ingest_files` as a runner that computes nothing in the workers (as the Ray runner): the writer's
    lanes analyse and embed the pages themselves."""
    for event in ingest_files((replace(task, prepare=None) for task in tasks), settings):
        yield event


@pytest.mark.slow
def test_parallel_add_builds_the_same_library_as_one_worker(dev_docs, tmp_path):
    """1 and 2 workers (which analyse and embed the pages they render), and a writer that analyses and
    embeds them itself, build the same library: same pages, vectors and postings."""
    files = corpus(dev_docs, tmp_path / "docs")
    ocr_cache = str(tmp_path / "ocr-cache")  # the later libraries read the scans' text from it
    libraries = {}
    for workers, runner in ((1, None), (2, None), ("writer", render_only)):
        settings = Settings.from_env(workers=2 if workers == "writer" else workers, ocr_cache=ocr_cache)
        with Library(tmp_path / f"lib{workers}", lanes=["text"], settings=settings) as lib:
            report = lib.add([files], runner=runner)
            assert report.ok, report.files
            assert [f.name for f in report.files] == sorted(p.name for p in files.iterdir())  # input order
            libraries[workers] = (snapshot(lib), [(f.name, f.status, f.pages) for f in report.files])
    assert libraries[2] == libraries[1]
    assert libraries["writer"] == libraries[1]
    content = libraries[1][0]
    pages = sum(count for _, _, count, _ in content["docs"])
    assert len(content["text lane"]["lengths"]) == pages and len(content["text lane"]["looks"]) == pages
    assert sum(len(found) for found in content["vectors"].values()) > pages  # 80-word passages
    docs = {name: pages for name, _, pages, _ in libraries[2][0]["docs"]}
    assert docs["r-intro-a.pdf"] == 10 and docs["scan.pdf"] == 1 and docs["booktabs-page2.png"] == 1


@pytest.mark.slow
def test_hostile_file_in_a_parallel_batch_fails_alone(dev_docs, tmp_path):
    files = tmp_path / "docs"
    files.mkdir()
    pdf_parts(
        dev_docs / "gnuplot-expressions.pdf", files, {"a-good.pdf": range(0, 3), "z-good.pdf": range(5, 9)}
    )
    hanging_pdf(files / "hangs.pdf")
    (files / "broken.pdf").write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 200)
    write_pdf(
        files / "ok.pdf", [text_content("A small page that renders fine")], page_resources=FONT_RESOURCES
    )
    settings = Settings.from_env(workers=2, ocr="off", file_timeout_s=3.0, page_timeout_s=1.0)
    with Library(tmp_path / "lib", lanes=["text"], settings=settings) as lib:
        started = time.monotonic()
        report = lib.add([files])
        assert time.monotonic() - started < 120
        outcome = {f.name: f for f in report.files}
        assert {name: f.status for name, f in outcome.items()} == {
            "a-good.pdf": "added",
            "broken.pdf": "failed",
            "hangs.pdf": "failed",
            "ok.pdf": "added",
            "z-good.pdf": "added",
        }
        assert (
            "PAGELENS_PAGE_TIMEOUT_S" in outcome["hangs.pdf"].reason
        )  # its page hangs: the per-page limit stops it
        assert "damaged" in outcome["broken.pdf"].reason
        assert [d.name for d in lib.documents()] == ["a-good.pdf", "ok.pdf", "z-good.pdf"]
        assert all(d.status == "complete" for d in lib.documents())
        kept = {d.doc_id for d in lib.documents()}
        assert {p.name for p in lib.layout.pages.iterdir()} == kept  # the failed files left no images
        assert [h.doc for h in lib.search("gnuplot expressions operators", k=3)]


def test_progress_reports_pages_for_each_file(dev_docs, tmp_path):
    files = tmp_path / "docs"
    files.mkdir()
    pdf_parts(dev_docs / "gnuplot-expressions.pdf", files, {"a.pdf": range(0, 9), "b.pdf": range(9, 12)})
    first: list[AddProgress] = []
    again: list[AddProgress] = []
    settings = Settings.from_env(workers=2, ocr="off")
    with Library(tmp_path / "lib", lanes=["text"], settings=settings) as lib:
        lib.add([files], on_progress=first.append)
        lib.add([files], on_progress=again.append)  # unchanged: files done, no pages
    assert first[0].files_done == 0 and first[0].pages_done == 0 and first[0].eta_s is None
    done = [p.pages_done for p in first]
    assert done == sorted(done) and done[-1] == 12 and set(range(13)) <= set(done)  # page by page
    final = first[-1]
    assert (final.files_done, final.files_total, final.pages_total) == (2, 2, 12)
    assert final.pages_per_s > 0 and final.eta_s == 0.0
    assert any(p.eta_s and p.eta_s > 0 for p in first)
    assert [p.files_done for p in again] == [0, 1, 2] and {p.pages_done for p in again} == {0}


@pytest.mark.slow
def test_closing_a_batch_early_stops_its_renders(tmp_path):
    slow = [
        FileTask(hanging_pdf(tmp_path / f"slow{n}.pdf"), f"slow{n}.pdf", f"d{n}", tmp_path / f"out{n}")
        for n in range(2)
    ]
    events = ingest_files(slow, Settings.from_env(workers=2, ocr="off", file_timeout_s=600.0))
    first = next(events)  # the first file has been opened and counted
    assert first.task in slow
    started = time.monotonic()
    events.close()
    assert time.monotonic() - started < 60  # not the 600 s timeout: the workers were stopped
    assert not isinstance(first, FileRendered)


def test_a_failed_preparation_fails_its_file_alone(tmp_path):
    """What a task's `prepare` computes comes back with its pages; a preparer that raises fails that file
    (the worker is replaced) and the next file is prepared as before."""
    tasks = []
    for n, prepare in enumerate([len, int, len]):  # int(pages) raises TypeError in the worker
        pdf = write_pdf(tmp_path / f"f{n}.pdf", [text_content(f"page {n}")], page_resources=FONT_RESOURCES)
        tasks.append(FileTask(pdf, pdf.name, f"d{n}", tmp_path / f"out{n}", prepare=prepare))
    settings = Settings.from_env(workers=1, ocr="off")
    done = {e.task.name: e for e in ingest_files(tasks, settings) if isinstance(e, FileRendered)}
    assert (done["f0.pdf"].error, done["f0.pdf"].prepared) == (None, 1)
    assert done["f2.pdf"].prepared == 1 and done["f2.pdf"].error is None
    assert isinstance(done["f1.pdf"].error, IngestError) and done["f1.pdf"].prepared is None
    assert str(done["f1.pdf"].error).startswith("indexing failed: TypeError")
