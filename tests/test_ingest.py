"""Ingestion of real dev-set files: page counts, screenshot sizes, text, regions, OCR and HTML pages."""

from __future__ import annotations

import re
from pathlib import Path

import pymupdf
import pytest
from PIL import Image

from pagelens.config import Settings
from pagelens.ingest.detect import SUPPORTED_SUFFIXES, content_hash, detect_kind
from pagelens.ingest.pipeline import ingest_file


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def excerpt(source: Path, first: int, last: int, target: Path) -> Path:
    """Pages first..last (1-based) of a dev PDF as their own PDF, so a test renders only those."""
    with pymupdf.open(source) as doc, pymupdf.open() as part:
        part.insert_pdf(doc, from_page=first - 1, to_page=last - 1)
        part.save(target)
    return target


def check_page_files(pages, long_side: int) -> None:
    for number, page in enumerate(pages, start=1):
        assert page.page == number
        assert Path(page.image_path).is_absolute() and Path(page.image_path).name == f"{number:05d}.png"
        with Image.open(page.image_path) as png:
            assert png.size == (page.width, page.height)
        assert max(page.width, page.height) == long_side
        for region in page.regions:
            x0, y0, x1, y1 = region.box
            assert 0 <= x0 < x1 <= page.width and 0 <= y0 < y1 <= page.height, region


@pytest.fixture
def settings() -> Settings:
    return Settings.from_env(ocr="off")


def test_detect_kind_and_hash(dev_docs, tmp_path):
    assert detect_kind(dev_docs / "r-intro.pdf") == "pdf"
    assert detect_kind(dev_docs / "booktabs-page2.png") == "image"
    assert detect_kind(dev_docs / "maxima-finance.html") == "html"
    renamed = tmp_path / "no-suffix"
    renamed.write_bytes((dev_docs / "maxima-finance.html").read_bytes())
    assert detect_kind(renamed) == "html"
    digest = content_hash(dev_docs / "r-intro.pdf")
    assert re.fullmatch(r"[0-9a-f]{64}", digest) and digest == content_hash(dev_docs / "r-intro.pdf")
    assert digest != content_hash(dev_docs / "r-data-scan.pdf")
    assert {
        ".pdf",
        ".html",
        ".png",
        ".jpg",
        ".tiff",
        ".webp",
    } <= SUPPORTED_SUFFIXES and ".css" not in SUPPORTED_SUFFIXES


def test_pdf_pages_text_and_regions(dev_docs, tmp_path, settings):
    part = excerpt(dev_docs / "r-intro.pdf", 10, 16, tmp_path / "r-intro-10-16.pdf")
    pages = ingest_file(
        part, name="r-intro.pdf", doc_id="rintro", out_dir=tmp_path / "pages", settings=settings
    )
    assert len(pages) == 7
    check_page_files(pages, 1500)
    assert all(p.text_source == "layer" and p.doc == "r-intro.pdf" and p.doc_id == "rintro" for p in pages)
    assert "will divert all subsequent output from the console to an external file" in flat(
        pages[2].text
    )  # p.12
    assert "are not reserved words and hence can be overwritten by the user" in flat(pages[6].text)  # p.16
    assert all(any(r.kind == "text" and r.text for r in p.regions) for p in pages)
    # every region's text is on its page
    assert all(flat(r.text)[:30] in flat(p.text) for p in pages for r in p.regions if r.text)


def test_slides_are_landscape(dev_docs, tmp_path, settings):
    part = excerpt(dev_docs / "beamer-conference-talk.pdf", 1, 2, tmp_path / "talk.pdf")
    pages = ingest_file(part, name="talk.pdf", doc_id="talk", out_dir=tmp_path / "pages", settings=settings)
    check_page_files(pages, 1500)
    assert pages[0].width == 1500 and pages[0].height < pages[0].width


def test_html_pages(sample_docs, tmp_path, settings):
    pages = ingest_file(
        sample_docs / "maxima-finance.html",
        name="maxima-finance.html",
        doc_id="fin",
        out_dir=tmp_path / "pages",
        settings=settings,
    )
    assert len(pages) > 1
    check_page_files(pages, 1500)
    assert all(p.text_source == "html" for p in pages)
    for phrase in (
        "We can calculate the future value of a Present",
        "assuming 360 days years, 30 days months",
        "Amortization table determined by a specific rate",
    ):
        assert sum(phrase in flat(p.text) for p in pages) == 1, phrase  # on exactly one rendered page


def test_ocr_off_leaves_scan_without_text(dev_docs, tmp_path, settings):
    part = excerpt(dev_docs / "r-data-scan.pdf", 1, 1, tmp_path / "scan.pdf")
    [page] = ingest_file(part, name="scan.pdf", doc_id="scan", out_dir=tmp_path / "pages", settings=settings)
    assert page.text_source == "none" and page.text == ""
    assert [r.kind for r in page.regions] == ["figure"]  # the scanned image itself


@pytest.mark.slow
def test_layout_model_classifies_regions(dev_docs, tmp_path):
    part = excerpt(dev_docs / "r-intro.pdf", 45, 45, tmp_path / "r-intro-45.pdf")  # text, code and a plot
    [page] = ingest_file(
        part,
        name="p45.pdf",
        doc_id="p45",
        out_dir=tmp_path / "pages",
        settings=Settings.from_env(ocr="off", layout=True),
    )
    check_page_files([page], 1500)
    kinds = {r.kind for r in page.regions}
    assert {"text", "figure"} <= kinds and "header" in kinds
    assert any("shorter right tail" in flat(r.text) for r in page.regions if r.kind == "text")


@pytest.mark.parametrize(
    "fmt,suffix", [("JPEG", ".jpg"), ("TIFF", ".tif"), ("WEBP", ".webp"), ("GIF", ".gif")]
)
def test_image_formats(sample_docs, tmp_path, settings, fmt, suffix):
    source = tmp_path / f"page{suffix}"
    with Image.open(sample_docs / "booktabs-page2.png") as png:
        png.convert("RGB").save(source, format=fmt)
    assert detect_kind(source) == "image"
    [page] = ingest_file(
        source, name=source.name, doc_id="img", out_dir=tmp_path / "pages", settings=settings
    )
    check_page_files([page], 1500)
    assert (page.width, page.height) == (1061, 1500) and page.text_source == "none"  # OCR off here


@pytest.mark.browser
def test_chromium_html_renderer(sample_docs, tmp_path, settings):
    pages = ingest_file(
        sample_docs / "maxima-finance.html",
        name="maxima-finance.html",
        doc_id="fin",
        out_dir=tmp_path / "pages",
        settings=settings.replace(html_renderer="chromium"),
    )
    check_page_files(pages, 1500)
    assert len(pages) > 1 and all(p.text_source == "html" for p in pages)
    for phrase in (
        "We can calculate the future value of a Present",
        "Amortization table determined by a specific rate",
    ):
        assert sum(phrase in flat(p.text) for p in pages) == 1, phrase


@pytest.mark.parametrize("renderer", ["mupdf", pytest.param("chromium", marks=pytest.mark.browser)])
def test_html_makes_no_network_requests(tmp_path, settings, renderer):
    import http.server
    import threading

    settings = settings.replace(html_renderer=renderer)
    hits = []

    class Canary(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's naming
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Canary)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        page = tmp_path / "page.html"
        page.write_text(f"""<!doctype html><html><head><link rel="stylesheet" href="{base}/style.css">
            <script src="{base}/app.js"></script><script>document.write('SCRIPT RAN')</script></head>
            <body><h1>Offline heading</h1><img src="{base}/pixel.png"><p>Body text stays local.</p>
            <iframe src="{base}/frame.html"></iframe></body></html>""")
        pages = ingest_file(page, name="page.html", doc_id="h", out_dir=tmp_path / "pages", settings=settings)
    finally:
        server.shutdown()
    text = flat(" ".join(p.text for p in pages))
    assert "Offline heading" in text and "Body text stays local." in text
    assert "SCRIPT RAN" not in text
    assert hits == []


def test_rotated_page_boxes_sit_on_the_ink(tmp_path, settings):
    import numpy as np

    doc = pymupdf.open()
    page = doc.new_page(width=600, height=800)
    page.insert_text((50, 100), "Rotated page text", fontsize=20)
    page.set_rotation(90)
    doc.save(tmp_path / "rotated.pdf")
    [rendered] = ingest_file(
        tmp_path / "rotated.pdf",
        name="rotated.pdf",
        doc_id="rot",
        out_dir=tmp_path / "pages",
        settings=settings,
    )
    assert (rendered.width, rendered.height) == (1500, 1125)
    [region] = rendered.regions
    with Image.open(rendered.image_path) as png:
        ys, xs = np.nonzero(np.asarray(png.convert("L")) < 128)
    x0, y0, x1, y1 = region.box
    assert x0 <= xs.min() and xs.max() <= x1 and y0 <= ys.min() and ys.max() <= y1
    assert (x1 - x0) < (y1 - y0)  # the line runs down the image, as the rotated page shows it


def test_workers_split_a_document_into_page_ranges(dev_docs, tmp_path, settings):
    part = excerpt(dev_docs / "r-intro.pdf", 10, 27, tmp_path / "r-intro-10-27.pdf")
    pages = ingest_file(
        part, name="r.pdf", doc_id="r", out_dir=tmp_path / "pages", settings=settings.replace(workers=2)
    )
    assert [p.page for p in pages] == list(range(1, 19))
    check_page_files(pages, 1500)
    assert "will divert all subsequent output from the console to an external file" in flat(pages[2].text)
    assert "are not reserved words and hence can be overwritten by the user" in flat(pages[6].text)
    assert sorted(p.name for p in (tmp_path / "pages").iterdir()) == [f"{n:05d}.png" for n in range(1, 19)]


@pytest.mark.browser
def test_chromium_reads_only_regular_files_inside_the_html_folder(tmp_path, settings):
    """Finding 7: an iframe naming a symlink to /etc/passwd put `root:x:0:0` into the page text."""
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "inside.txt").write_text("Inside note kept on the page.")
    (folder / "notes.txt").symlink_to("/etc/passwd")
    outside = tmp_path / "outside.txt"
    outside.write_text("Outside secret never shown.")
    (folder / "sub").symlink_to(tmp_path, target_is_directory=True)
    page = folder / "page.html"
    page.write_text("""<!doctype html><html><body><h1>Framed notes</h1>
        <iframe src="inside.txt" width="600" height="80"></iframe>
        <iframe src="notes.txt" width="600" height="80"></iframe>
        <iframe src="../outside.txt" width="600" height="80"></iframe>
        <iframe src="sub/outside.txt" width="600" height="80"></iframe></body></html>""")
    pages = ingest_file(
        page,
        name="page.html",
        doc_id="h",
        out_dir=tmp_path / "pages",
        settings=settings.replace(html_renderer="chromium"),
    )
    text = flat(" ".join(p.text for p in pages))
    assert "Framed notes" in text and "Inside note kept on the page." in text
    assert "root:" not in text and "Outside secret" not in text
