"""The low findings of issue 24: what a user reads names no server path, the original-file route follows no
link, a chat's Markdown export goes with the chat, and messages say what happened (a FIFO is no missing
file; LibreOffice's crash output stays in the log).

Real app (in-process server over HTTP, raw Gradio queue calls), real files, links and FIFOs, a real
LibreOffice stand-in process that crashes the way soffice does.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import httpx
import pymupdf
import pytest
import word_lane
from office_files import write_docx
from test_security_chats import Browser
from ui_support import running_app

from pagelens import Library, Settings
from pagelens.ingest.pipeline import IngestError, ingest_file
from pagelens.types import Answer
from pagelens.ui.handlers import Handlers
from pagelens.ui.session import AppSession
from pagelens.ui.uploads import stage_uploads


@pytest.fixture(autouse=True)
def _words_lane():
    word_lane.register()


def small_pdf(path: Path, text: str = "Lighthouses guide ships along the rocky coast.") -> Path:
    with pymupdf.open() as doc:
        doc.new_page().insert_text((72, 72), text)
        doc.save(path)
    return path


def test_errors_the_app_shows_name_no_server_path(tmp_path: Path):
    """Low 7: show_error=True sent Gradio's "Cannot move /srv/.../c.pdf ..." (and the blocked paths)."""
    (tmp_path / "server-only").mkdir()
    secret = small_pdf(tmp_path / "server-only" / "c.pdf")
    with running_app(tmp_path / "lib", lanes=["words"]) as served:
        browser = Browser(served.url, None, None)
        out = browser.call("add", [{"path": str(secret), "meta": {"_type": "gradio.FileData"}}], False)
        assert out is None  # refused: the file was never uploaded
        text = browser.last_error
        assert str(tmp_path) not in text and "server-only" not in text and "blocked" not in text, text
        assert served.library.documents() == []


def test_the_original_route_follows_no_link(tmp_path: Path):
    """Low 9: an upload copy replaced by a link to conversations.sqlite served the chats database."""
    with running_app(tmp_path / "lib", lanes=["words"]) as served:
        library = served.library
        library.add(stage_uploads([small_pdf(tmp_path / "guide.pdf")], library.path, 2**30).files)
        [doc] = library.documents()
        library.conversations().create("a private chat")
        url = served.url.rstrip("/") + f"/pagelens/original/{doc.doc_id}"
        with httpx.Client(timeout=30) as http:
            assert http.get(url).content.startswith(b"%PDF")
            copy = Path(doc.source)
            copy.unlink()
            copy.symlink_to(library.path / "conversations.sqlite")
            served_now = http.get(url)
            assert served_now.status_code == 404 and b"SQLite format" not in served_now.content


def test_a_chats_export_goes_with_the_chat_and_the_app(tmp_path: Path):
    """Low 10: Markdown exports in the temp folder were never removed, also after the chat was deleted."""
    library = Library(tmp_path / "lib", lanes=["words"], settings=Settings.from_env({}))
    session = AppSession(library=library, settings=library.settings)
    handlers = Handlers(session)
    try:
        store = library.conversations()
        chat = store.create()
        store.record(chat.id, "Where are lighthouses?", Answer("On the coast.", [], [], True))
        other = store.create()
        store.record(other.id, "Where are lighthouses?", Answer("By the sea.", [], [], True))
        first, second = (
            handlers.conversation(chat.id, username=None),
            handlers.conversation(other.id, username=None),
        )
        assert first.export != second.export  # same title, separate files: no chat downloads another's
        assert first.export.read_text().count("On the coast.") == 1
        handlers.delete(chat.id, True, username=None)
        assert not first.export.exists() and second.export.exists()
        session.close()
        assert not session.exports.exists()
    finally:
        library.close()


def test_a_fifo_is_not_called_missing(tmp_path: Path):
    """Low 11: adding a FIFO said "no such file or folder"."""
    fifo = tmp_path / "pipe.pdf"
    os.mkfifo(fifo)
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    with Library(tmp_path / "lib", lanes=["words"], settings=Settings.from_env({})) as library:
        [outcome] = library.add(fifo).files
    assert outcome.status == "failed" and "FIFO" in outcome.reason and "no such" not in outcome.reason


def test_libreoffice_crash_output_stays_in_the_log(tmp_path: Path):
    """Low 11: a zip bomb's reason carried a fragment of soffice's backtrace (with its install paths)."""
    crashing = tmp_path / "soffice"
    crashing.write_text(
        "#!/bin/sh\necho 'Application Error' >&2\n"
        "echo '#3 /opt/libreoffice/program/libmergedlo.so +0x2a1b' >&2\nkill -ABRT $$\n"
    )
    crashing.chmod(0o755)
    settings = Settings.from_env({}, soffice=str(crashing), ocr="off")
    source = write_docx(tmp_path / "bomb.docx", ["Expands", "to gigabytes"])
    with pytest.raises(IngestError) as raised:
        ingest_file(source, name=source.name, doc_id="doc", out_dir=tmp_path / "out", settings=settings)
    reason = str(raised.value)
    assert "could not convert this DOCX document" in reason and "signal" in reason
    assert "#3" not in reason and "/opt/" not in reason and "libmergedlo" not in reason


def test_gradio_upload_cache_is_capped_and_same_origin(tmp_path: Path, monkeypatch):
    """Low 8: any client could fill Gradio's upload cache (PAGELENS_MAX_UPLOADS_MB did not apply there) and
    a page on another site could post an upload cross-origin."""
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio-cache"))
    with running_app(tmp_path / "lib", lanes=["words"], max_uploads_mb=1) as served:
        upload = served.url.rstrip("/") + "/gradio_api/upload"
        port = served.url.rstrip("/").rsplit(":", 1)[1]

        def post(name: str, **headers) -> httpx.Response:
            payload = os.urandom(600 * 1024)
            return httpx.post(upload, files={"files": (name, payload)}, headers=headers, timeout=60)

        refused = post("a.pdf", Origin="https://evil.example")
        assert refused.status_code == 403
        assert post("b.pdf", Origin=f"http://127.0.0.1:{port}").status_code == 200  # the app's own page
        full = post("c.pdf")
        assert full.status_code == 413 and "upload space" in full.text
