"""The app serves the library's page images and nothing else; uploads over the size cap are refused.

Runs the real server (`pagelens.ui.server.launch` with its security defaults) and requests files through
Gradio's file route as a browser or a script would.
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path

import httpx
import pytest
import word_lane
from gradio_client import Client, handle_file
from PIL import Image
from ui_support import running_app

from pagelens.config import Settings
from pagelens.ui.server import server_options


@pytest.fixture(autouse=True)
def _words_lane():
    word_lane.register()  # the served files do not depend on the lane; this one loads no model


@pytest.fixture
def library(tmp_path: Path) -> Path:
    root = tmp_path / "lib"
    page = root / "pages" / "d0c" / "00001.png"
    page.parent.mkdir(parents=True)
    Image.new("RGB", (40, 60), "white").save(page)
    return root


def file_url(base: str, path: str) -> str:
    return f"{base.rstrip('/')}/gradio_api/file={urllib.parse.quote(path)}"


def test_only_page_images_are_served(library: Path, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the library's parent as working directory must not widen what is served
    (tmp_path / "secret.txt").write_text("not for the web")
    with running_app(library, lanes=["words"]) as served:
        chroma_db = library.resolve() / "chroma" / "chroma.sqlite3"
        assert chroma_db.is_file(), "the library should hold an embedded Chroma database"
        page = library.resolve() / "pages" / "d0c" / "00001.png"
        with httpx.Client(timeout=30) as http:
            ok = http.get(file_url(served.url, str(page)))
            assert ok.status_code == 200 and ok.content == page.read_bytes()  # the route itself works
            refused = [
                str(chroma_db),
                str(library.resolve() / "catalog.sqlite"),
                str(library.resolve() / "pages" / ".." / "chroma" / "chroma.sqlite3"),
                str(page.parent / ".." / ".." / "catalog.sqlite"),
                "/etc/passwd",
                "../../../../../../etc/passwd",
                str(tmp_path / "secret.txt"),
                "secret.txt",
            ]
            for path in refused:
                response = http.get(file_url(served.url, path))
                assert response.status_code in (403, 404), (path, response.status_code)
                assert b"root:" not in response.content and b"SQLite format" not in response.content


def test_oversize_upload_is_refused_with_a_message(library: Path, tmp_path: Path):
    big = tmp_path / "big.pdf"
    big.write_bytes(b"%PDF-1.7\n" + b"0" * (2 * 1024 * 1024))
    with running_app(library, lanes=["words"], max_upload_mb=1) as served:
        with httpx.Client(timeout=30) as http, big.open("rb") as handle:
            response = http.post(f"{served.url.rstrip('/')}/gradio_api/upload", files={"files": handle})
        assert response.status_code == 413
        assert "1mb" in response.text.lower() or "size" in response.text.lower()
        client = Client(served.url, verbose=False)
        with pytest.raises(Exception, match="(?i)size|large|413"):
            client.predict([handle_file(str(big))], api_name="/add")
        assert served.library.documents() == []
        assert not (library / "uploads").exists()


def test_auth_guards_the_page_images(library: Path):
    with running_app(library, lanes=["words"], auth="reader:s3cret") as served:
        page = library.resolve() / "pages" / "d0c" / "00001.png"
        with httpx.Client(timeout=30) as http:
            assert http.get(file_url(served.url, str(page))).status_code in (401, 403)
            login = http.post(
                f"{served.url.rstrip('/')}/login", data={"username": "reader", "password": "s3cret"}
            )
            assert login.status_code == 200
            assert http.get(file_url(served.url, str(page))).status_code == 200


def test_server_options_defaults(tmp_path: Path):
    settings = Settings.from_env({}, library=tmp_path / "lib")
    options = server_options(settings)
    assert options["server_name"] == "127.0.0.1"
    assert options["max_file_size"] == "200mb"
    root = (tmp_path / "lib").resolve()
    assert str(root) not in options["allowed_paths"]
    assert all(Path(p).parent == root for p in options["allowed_paths"])
    assert str(root / "chroma") in options["blocked_paths"]
    assert "auth" not in options
    with pytest.raises(ValueError, match="user:password"):
        server_options(settings.replace(auth="nopassword"))
