"""Office documents (through LibreOffice in the sandboxed worker), plain text and Markdown become pages.

The documents are written by the tests (office_files.py). `scripts/setup.sh --test` installs
LibreOffice; without it the conversion tests are skipped with the reason, and the rest still run.
"""

from __future__ import annotations

import http.server
import threading
import zipfile
from pathlib import Path

import pytest
from office_files import write_docx, write_odf, write_office

from pagelens.config import Settings
from pagelens.ingest.office import find_soffice
from pagelens.ingest.pipeline import IngestError, detect_kind, ingest_file
from pagelens.library import Library

needs_soffice = pytest.mark.skipif(
    find_soffice() is None,
    reason="LibreOffice is not installed "
    "(apt-get install libreoffice-core-nogui libreoffice-writer-nogui "
    "libreoffice-impress-nogui libreoffice-calc-nogui; scripts/setup.sh --test)",
)


@pytest.fixture
def settings() -> Settings:
    return Settings.from_env(ocr="off")


def ingest(path: Path, tmp_path: Path, settings: Settings):
    return ingest_file(path, name=path.name, doc_id="doc", out_dir=tmp_path / "out", settings=settings)


@pytest.mark.slow
@needs_soffice
@pytest.mark.parametrize("fmt", ["docx", "pptx", "xlsx", "odt", "odp", "ods", "rtf"])
def test_office_documents_become_pages_with_their_text(tmp_path, settings, fmt):
    source = write_office(tmp_path / f"report.{fmt}", [f"Quarterly {fmt} zebra census", "Forty two zebras"])
    assert detect_kind(source) == "office"
    pages = ingest(source, tmp_path, settings)
    assert len(pages) >= 1
    first = pages[0]
    assert "zebra census" in first.text and "Forty two zebras" in first.text, first.text
    assert first.text_source == "layer" and first.doc == f"report.{fmt}"
    assert Path(first.image_path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and first.width > 100


def test_office_formats_are_judged_by_content_not_name(tmp_path):
    disguised = write_docx(tmp_path / "letter.bin", ["Dear reader", "hello"])
    assert detect_kind(disguised) == "office"
    assert detect_kind(write_odf(tmp_path / "sheet.dat", "ods", ["1"])) == "office"
    plain_zip = tmp_path / "archive.docx"
    with zipfile.ZipFile(plain_zip, "w") as package:
        package.writestr("readme.txt", "not an office document")
    assert detect_kind(plain_zip) is None


@pytest.mark.slow
@needs_soffice
def test_malformed_office_documents_fail_clearly_and_leave_nothing(tmp_path, settings):
    broken = tmp_path / "broken.docx"
    with zipfile.ZipFile(broken, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", "<w:document this is not XML at all")
    with pytest.raises(IngestError, match="LibreOffice could not convert this DOCX document .*damaged"):
        ingest(broken, tmp_path, settings)
    assert not (tmp_path / "out").exists()
    truncated = tmp_path / "truncated.docx"
    data = write_docx(tmp_path / "whole.docx", ["A whole document", "text"]).read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(IngestError, match="not a PDF, image, HTML, Office"):
        ingest(truncated, tmp_path, settings)


def test_without_libreoffice_office_files_fail_saying_what_to_install(tmp_path, settings):
    source = write_docx(tmp_path / "memo.docx", ["Memo", "text"])
    missing = settings.replace(soffice=str(tmp_path / "no-such-soffice"))
    with pytest.raises(
        IngestError, match="LibreOffice is not installed.*apt-get install libreoffice-core-nogui"
    ):
        ingest(source, tmp_path, missing)


class _Canary(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        self.requests.append(self.path)
        self.send_error(404)

    do_OPTIONS = do_HEAD = do_PROPFIND = do_GET  # noqa: N815 - LibreOffice's WebDAV probes

    def log_message(self, *args) -> None:
        pass


@pytest.mark.slow
@needs_soffice
def test_a_linked_image_is_not_fetched_during_conversion(tmp_path, settings):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Canary)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/canary.png"
    try:
        linked = (
            f'<text:p><draw:frame draw:name="img" svg:width="2cm" svg:height="2cm" text:anchor-type="paragraph">'
            f'<draw:image xlink:href="{url}" xlink:type="simple" xlink:show="embed" xlink:actuate="onLoad"/>'
            "</draw:frame></text:p>"
        )
        source = write_odf(tmp_path / "linked.odt", "odt", ["A page with a linked image"], extra_body=linked)
        [page] = ingest(source, tmp_path, settings)
        assert "linked image" in page.text
        assert _Canary.requests == [], "LibreOffice reached the network while converting"
    finally:
        server.shutdown()


def test_plain_text_and_markdown_become_pages(tmp_path, settings):
    notes = tmp_path / "notes.txt"
    notes.write_text("Wombat feeding schedule\n    08:00 carrots\n    18:00 grass <b>not bold</b>\n")
    [page] = ingest(notes, tmp_path, settings)
    assert "08:00 carrots" in page.text and "<b>not bold</b>" in page.text and page.text_source == "html"
    assert Path(page.image_path).is_file()
    readme = tmp_path / "README.md"
    readme.write_text(
        "# Tapir handbook\n\nTapirs *love* water.\n\n- swim daily\n- eat fruit\n\n"
        + "More tapir facts on many lines.\n\n" * 120
    )
    pages = ingest_file(readme, name="README.md", doc_id="md", out_dir=tmp_path / "md", settings=settings)
    assert len(pages) >= 2 and [p.page for p in pages] == list(range(1, len(pages) + 1))
    assert "Tapir handbook" in pages[0].text and "Tapirs love water." in pages[0].text
    assert "#" not in pages[0].text and "*" not in pages[0].text  # Markdown is rendered, not shown


def test_text_files_need_a_text_name_and_text_content(tmp_path, settings):
    binary = tmp_path / "data.txt"
    binary.write_bytes(b"\x00\x01\x02 binary \xff\xfe" * 20)
    assert detect_kind(binary) is None
    prose = tmp_path / "report.pdf"
    prose.write_text("a broken download, just text")
    assert detect_kind(prose) is None
    latin1 = tmp_path / "old.txt"
    latin1.write_bytes("caf\xe9 cr\xe8me".encode("latin-1") * 10)
    assert detect_kind(latin1) is None


def test_a_folder_walk_picks_up_office_text_and_markdown_files(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "guide.md").write_text("# Okapi guide\n\nOkapis live in forests.\n")
    (folder / "todo.txt").write_text("feed the okapi\n")
    (folder / "style.css").write_text("body {}")
    with Library(tmp_path / "lib", lanes=["text"], settings=Settings.from_env(ocr="off")) as lib:
        report = lib.add(folder)
        assert sorted((f.name, f.status) for f in report.files) == [
            ("guide.md", "added"),
            ("todo.txt", "added"),
        ]
        assert lib.search("okapi forests", k=1)[0].doc == "guide.md"
