"""OCR engines on real dev-set scans: text read, reading order, the cache and its key, languages."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from PIL import Image
from test_ingest import check_page_files, excerpt, flat

from pagelens.config import Settings
from pagelens.errors import IngestError, SettingsError
from pagelens.ingest import ocr_tesseract
from pagelens.ingest.ocr import OcrLine, ocr_page, reading_order
from pagelens.ingest.pipeline import ingest_file

ENGINES = ["tesseract", "rapidocr"]
READ = "In this chapter we consider the problem of reading a binary data file"  # on the strip, either engine


@pytest.fixture
def scan_strip(dev_docs, tmp_path) -> Path:
    """The top of scanned page 1 (chapter title and first sentences): seconds to OCR with either engine."""
    part = excerpt(dev_docs / "r-data-scan.pdf", 1, 1, tmp_path / "scan.pdf")
    [page] = ingest_file(
        part,
        name="scan.pdf",
        doc_id="scan",
        out_dir=tmp_path / "pages",
        settings=Settings.from_env(ocr="off"),
    )
    strip = tmp_path / "strip.png"
    with Image.open(page.image_path) as image:
        image.crop((0, 0, image.width, image.height // 4)).save(strip)
    return strip


@pytest.mark.slow
@pytest.mark.parametrize("engine", ENGINES)
def test_image_file_gets_ocr_text(sample_docs, tmp_path, engine):
    [page] = ingest_file(
        sample_docs / "booktabs-page2.png",
        name="booktabs-page2.png",
        doc_id="bt",
        out_dir=tmp_path / "pages",
        settings=Settings.from_env(ocr=engine, ocr_cache="off"),
    )
    check_page_files([page], 1500)
    assert page.text_source == "ocr"
    assert "This is a hotch-potch of information that is probably" in flat(page.text)
    assert page.regions and all(r.kind == "text" for r in page.regions)


@pytest.mark.slow
def test_scanned_pdf_page_gets_ocr_text(dev_docs, tmp_path):
    part = excerpt(dev_docs / "r-data-scan.pdf", 1, 1, tmp_path / "scan.pdf")
    ocr = Settings.from_env(ocr_cache=str(tmp_path / "ocr-cache"))  # the default engine
    [page] = ingest_file(part, name="scan.pdf", doc_id="scan", out_dir=tmp_path / "pages", settings=ocr)
    check_page_files([page], 1500)
    assert page.text_source == "ocr"
    text = flat(page.text)
    assert "read.mtp imports a" in text and "Minitab Portable Worksheet" in text
    assert "In this chapter we consider the problem of reading a binary data file" in text
    assert len(list((tmp_path / "ocr-cache").glob(f"{ocr.ocr}-*.json"))) == 1
    # the same page again (another name) comes from the cache: same text and regions, no OCR run
    started = time.monotonic()
    [again] = ingest_file(part, name="copy.pdf", doc_id="copy", out_dir=tmp_path / "copy", settings=ocr)
    assert time.monotonic() - started < 5
    assert again.text == page.text and again.regions == page.regions


@pytest.mark.slow
def test_cache_never_serves_another_engines_text(scan_strip, tmp_path):
    cache = tmp_path / "ocr-cache"
    tesseract = Settings.from_env(ocr="tesseract", ocr_cache=str(cache))
    assert READ in flat(ocr_page(scan_strip, tesseract).text)
    [stored] = cache.glob("tesseract-*.json")
    stored.write_text(json.dumps([["text from the cache", [0, 0, 10, 10]]]))
    assert ocr_page(scan_strip, tesseract).text == "text from the cache"  # same engine and settings: cached
    rapid = ocr_page(scan_strip, tesseract.replace(ocr="rapidocr"))
    assert READ in flat(rapid.text)
    assert len(list(cache.glob("rapidocr-*.json"))) == 1 and len(list(cache.glob("*.json"))) == 2


def test_cache_key_names_engine_settings_and_image(scan_strip, tmp_path):
    from pagelens.ingest.ocr_cache import OcrCache

    other = tmp_path / "other.png"
    with Image.open(scan_strip) as image:
        image.rotate(180).save(other)
    keys = {
        OcrCache.key(scan_strip, "tesseract", '["tesseract", "5.3", ["eng"]]'),
        OcrCache.key(scan_strip, "tesseract", '["tesseract", "5.3", ["eng", "deu"]]'),
        OcrCache.key(scan_strip, "tesseract", '["tesseract", "5.4", ["eng"]]'),
        OcrCache.key(other, "tesseract", '["tesseract", "5.3", ["eng"]]'),
    }
    assert len(keys) == 4
    assert OcrCache.key(scan_strip, "rapidocr", "x") == OcrCache.key(scan_strip, "rapidocr", "x")


@pytest.mark.parametrize(
    "engine,hint",
    [("tesseract", "apt-get install tesseract-ocr-xyz"), ("rapidocr", "PAGELENS_OCR=tesseract")],
)
def test_missing_ocr_language_is_a_clear_error(scan_strip, engine, hint):
    with pytest.raises(IngestError, match="PAGELENS_OCR_LANGS") as raised:
        ocr_page(scan_strip, Settings.from_env(ocr=engine, ocr_langs=["eng", "xyz"], ocr_cache="off"))
    assert "xyz" in str(raised.value) and hint in str(raised.value)


def test_missing_ocr_language_fails_only_files_that_need_ocr(dev_docs, tmp_path):
    settings = Settings.from_env(ocr="tesseract", ocr_langs=["xyz"], ocr_cache="off")
    scan = excerpt(dev_docs / "r-data-scan.pdf", 1, 1, tmp_path / "scan.pdf")
    with pytest.raises(IngestError, match="tesseract-ocr-xyz"):
        ingest_file(scan, name="scan.pdf", doc_id="scan", out_dir=tmp_path / "scan", settings=settings)
    text = excerpt(dev_docs / "r-intro.pdf", 12, 12, tmp_path / "text.pdf")
    [page] = ingest_file(text, name="text.pdf", doc_id="text", out_dir=tmp_path / "text", settings=settings)
    assert page.text_source == "layer"


def test_tesseract_not_installed_is_a_clear_error(scan_strip, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no tesseract on it
    ocr_tesseract._executable.cache_clear()
    try:
        with pytest.raises(IngestError, match="apt-get install tesseract-ocr.*PAGELENS_OCR=rapidocr"):
            ocr_page(scan_strip, Settings.from_env(ocr="tesseract", ocr_cache="off"))
    finally:
        ocr_tesseract._executable.cache_clear()


def test_unknown_engine_is_a_clear_error():
    with pytest.raises(SettingsError, match="PAGELENS_OCR.*rapidocr, tesseract, off"):
        Settings.from_env(ocr="abbyy")


def test_reading_order_joins_pieces_of_a_line():
    pieces = [
        OcrLine("world", (120, 10, 200, 30)),
        OcrLine("second line", (10, 50, 150, 70)),
        OcrLine("hello", (10, 12, 100, 31)),
    ]
    assert [line.text for line in reading_order(pieces)] == ["hello world", "second line"]
