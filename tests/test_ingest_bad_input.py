"""Hostile and broken files: each gets a clear IngestError (what is wrong, what to do), never a crash."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from ingest_files import FONT_RESOURCES, hanging_pdf, text_content, write_pdf, write_png_bomb

from pagelens.config import Settings
from pagelens.ingest.pipeline import IngestError, detect_kind, ingest_file


@pytest.fixture
def settings() -> Settings:
    return Settings.from_env(ocr="off")


def ingest(path: Path, tmp_path: Path, settings: Settings):
    return ingest_file(path, name=path.name, doc_id="doc", out_dir=tmp_path / "out", settings=settings)


def one_page_pdf(path: Path, text: str = "Hello pagelens sandbox test page", **kw) -> Path:
    return write_pdf(path, [text_content(text)], page_resources=FONT_RESOURCES, **kw)


def test_corrupt_pdf(tmp_path, settings):
    bad = tmp_path / "corrupt.pdf"
    bad.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40)
    with pytest.raises(IngestError, match="damaged"):
        ingest(bad, tmp_path, settings)
    assert not (tmp_path / "out").exists()  # nothing left behind


def test_truncated_pdf(tmp_path, settings, dev_docs):
    data = (dev_docs / "r-intro.pdf").read_bytes()
    cut = tmp_path / "truncated.pdf"
    cut.write_bytes(data[: len(data) // 3])
    with pytest.raises(IngestError, match="truncated"):
        ingest(cut, tmp_path, settings)


def test_empty_file(tmp_path, settings):
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    with pytest.raises(IngestError, match="empty"):
        ingest(empty, tmp_path, settings)


def test_encrypted_pdf(tmp_path, settings):
    import pymupdf

    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "secret")
    locked = tmp_path / "locked.pdf"
    doc.save(locked, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="user", owner_pw="owner")
    with pytest.raises(IngestError, match="password-protected"):
        ingest(locked, tmp_path, settings)


def test_zero_pages(tmp_path, settings):
    empty_tree = write_pdf(tmp_path / "zero.pdf", [])
    with pytest.raises(IngestError, match="no pages"):
        ingest(empty_tree, tmp_path, settings)


def test_too_many_pages_rejected_quickly(tmp_path, settings):
    huge = write_pdf(tmp_path / "5000.pdf", [b""] * 5000)
    started = time.monotonic()
    with pytest.raises(IngestError) as caught:
        ingest(huge, tmp_path, settings)
    message = str(caught.value)
    assert (
        "5000 pages" in message
        and "max_pages_per_file" in message
        and "PAGELENS_MAX_PAGES_PER_FILE" in message
    )
    assert time.monotonic() - started < 30  # counted, not rendered
    assert not (tmp_path / "out").exists()


def test_giant_page_renders_to_capped_bitmap(tmp_path, settings):
    giant = one_page_pdf(tmp_path / "giant.pdf", size=(14400, 7200))
    [page] = ingest(giant, tmp_path, settings)
    assert (page.width, page.height) == (1500, 750)
    from PIL import Image

    with Image.open(page.image_path) as png:
        assert png.size == (1500, 750)
    assert "Hello pagelens" in page.text


def test_decompression_bomb_png(tmp_path, settings):
    bomb = write_png_bomb(tmp_path / "bomb.png", 30000)
    assert bomb.stat().st_size < 1_000_000
    started = time.monotonic()
    with pytest.raises(IngestError) as caught:
        ingest(bomb, tmp_path, settings)
    assert "30000x30000" in str(caught.value) and "PAGELENS_MAX_PAGE_PIXELS" in str(caught.value)
    assert time.monotonic() - started < 30


def test_pdf_named_png_is_read_as_pdf(tmp_path, settings):
    disguised = one_page_pdf(tmp_path / "photo.png")
    assert detect_kind(disguised) == "pdf"
    [page] = ingest(disguised, tmp_path, settings)
    assert "Hello pagelens" in page.text and page.text_source == "layer"


@pytest.mark.parametrize("content", [b"\x7fELF\x02\x01\x01" + b"\x00" * 200, b"just some notes, not a pdf\n"])
def test_non_document_named_pdf(tmp_path, settings, content):
    fake = tmp_path / "report.pdf"
    fake.write_bytes(content)
    assert detect_kind(fake) is None
    with pytest.raises(IngestError, match="not a PDF, image, HTML"):
        ingest(fake, tmp_path, settings)


def test_file_larger_than_limit(tmp_path, settings):
    doc = one_page_pdf(tmp_path / "doc.pdf")
    with pytest.raises(IngestError, match="PAGELENS_MAX_FILE_BYTES"):
        ingest(doc, tmp_path, settings.replace(max_file_bytes=100))


@pytest.mark.slow
def test_hanging_page_is_killed_and_next_file_works(tmp_path, settings):
    slow = hanging_pdf(tmp_path / "slow.pdf")
    tight = settings.replace(file_timeout_s=2.0, page_timeout_s=1.0)
    started = time.monotonic()
    with pytest.raises(
        IngestError, match="page 1 took longer than page_timeout_s=1 s.*PAGELENS_PAGE_TIMEOUT_S"
    ):
        ingest(slow, tmp_path, tight)
    assert time.monotonic() - started < 120
    [page] = ingest(one_page_pdf(tmp_path / "ok.pdf"), tmp_path, tight)  # a fresh worker takes over
    assert "Hello pagelens" in page.text


def test_memory_cap(tmp_path, settings):
    doc = one_page_pdf(tmp_path / "doc.pdf")
    # a 20000 px page needs ~1 GB of pixels: more than a 700 MB address space allows
    greedy = settings.replace(memory_cap_mb=700, render_long_side=20000)
    with pytest.raises(IngestError, match="PAGELENS_MEMORY_CAP_MB"):
        ingest(doc, tmp_path, greedy)
    [page] = ingest(doc, tmp_path, settings)  # the library carries on with normal settings
    assert page.width == 1160


def test_memory_cap_too_small_to_start(tmp_path, settings):
    doc = one_page_pdf(tmp_path / "doc.pdf")
    with pytest.raises(IngestError, match="PAGELENS_MEMORY_CAP_MB"):
        ingest(doc, tmp_path, settings.replace(memory_cap_mb=40))


@pytest.mark.parametrize(
    "cut_at, lost", [("inside page 3's content", "pages 3, 4, 5"), ("before page 5's object", "page 5")]
)
def test_a_truncated_pdf_with_a_readable_page_tree_fails_naming_its_lost_pages(
    tmp_path, settings, cut_at, lost
):
    """Finding 6: a PDF cut short after its page tree was added as five pages, three of them blank."""
    whole = write_pdf(
        tmp_path / "whole.pdf",
        [text_content(f"Page {n} says something useful about topic {n}") for n in range(1, 6)],
        page_resources=FONT_RESOURCES,
    )
    assert [len(p.text) > 0 for p in ingest(whole, tmp_path, settings)] == [True] * 5
    data = whole.read_bytes()
    streams = [i for i in range(len(data)) if data.startswith(b">>stream\n", i)]
    end = streams[2] + 30 if cut_at.startswith("inside") else data.index(b"11 0 obj")  # objects 3..12: pages
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(data[:end])
    with pytest.raises(IngestError, match=f"truncated or damaged: {lost} of 5 (is|are) missing or cut short"):
        ingest(cut, tmp_path / "again", settings)


def test_a_repaired_pdf_whose_pages_are_whole_is_added(tmp_path, settings):
    whole = one_page_pdf(tmp_path / "whole.pdf", "A page that survives a broken cross-reference table")
    data = whole.read_bytes()
    broken = tmp_path / "bad-xref.pdf"
    broken.write_bytes(data.replace(b"startxref\n", b"startxref\n9").replace(b"xref\n0", b"xref\n7"))
    [page] = ingest(broken, tmp_path, settings)
    assert "survives a broken" in page.text


def slow_pages_pdf(path: Path, pages: int) -> Path:
    """Pages that each take MuPDF about half a second here (a 0.5 pt tiling pattern over the page)."""
    pattern = (
        b"<</Type/Pattern/PatternType 1/PaintType 1/TilingType 1/BBox[0 0 0.5 0.5]/XStep 0.5"
        b"/YStep 0.5/Resources<<>>/Length 19>>stream\n0 0 0.01 0.01 re f\nendstream"
    )
    return write_pdf(
        path,
        [b"/Pattern cs /P1 scn 0 0 612 792 re f"] * pages,
        extra_objects=[pattern],
        page_resources=b"<</Pattern<</P1 3 0 R>>>>",
    )


@pytest.mark.slow
def test_no_file_holds_a_worker_longer_than_file_max_s(tmp_path, settings):
    """Finding 3: the budget was 600 s + 60 s per page, so a 2,000-page crafted file could hold the worker for
    hours. Each page here is well inside its own limit; the file as a whole is stopped at file_max_s."""
    slow = slow_pages_pdf(tmp_path / "many.pdf", 200)  # about 100 s of rendering unstopped
    capped = settings.replace(file_timeout_s=60.0, page_timeout_s=30.0, file_max_s=4.0, min_pages_per_s=0.0)
    started = time.monotonic()
    with pytest.raises(IngestError, match="longer than the 4 s allowed.*file_max_s=4 s.*PAGELENS_FILE_MAX_S"):
        ingest(slow, tmp_path, capped)
    assert time.monotonic() - started < 60  # a fresh worker's start-up included


@pytest.mark.slow
def test_a_file_below_the_pages_per_second_floor_is_stopped_as_pathological(tmp_path, settings):
    slow = slow_pages_pdf(tmp_path / "slow.pdf", 200)
    floor = settings.replace(file_timeout_s=60.0, page_timeout_s=1.0, min_pages_per_s=20.0)
    started = time.monotonic()
    with pytest.raises(IngestError, match=r"renders at [\d.]+ pages/s, below the floor of 20 .*pathological"):
        ingest(slow, tmp_path, floor)
    assert time.monotonic() - started < 60  # a fresh worker's start-up included
    quick = one_page_pdf(tmp_path / "quick.pdf")
    assert len(ingest(quick, tmp_path / "next", floor)) == 1  # an ordinary file passes the same floor
