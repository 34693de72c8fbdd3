"""Client/server mode: a Library whose index lives in a real `chroma run` server (HttpClient)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import word_lane
from library_helpers import free_port, wait_for_http

from pagelens import Library, Settings
from pagelens.lanes import registry

CHROMA = Path(sys.executable).with_name("chroma")
GNUPLOT = "gnuplot-expressions.pdf"


@pytest.fixture
def chroma_server(tmp_path, offline_env):
    if not CHROMA.exists():
        pytest.skip(f"the chroma CLI is not installed next to {sys.executable}")
    port = free_port()
    server = subprocess.Popen(
        [
            str(CHROMA),
            "run",
            "--path",
            str(tmp_path / "server-data"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=offline_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(server, f"{url}/api/v2/heartbeat", timeout_s=120, what="chroma run")
        yield url, tmp_path / "server-data"
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.mark.slow
def test_libraries_on_a_chroma_server_add_search_and_remove_apart(
    tmp_path, sample_docs, chroma_server, monkeypatch
):
    url, server_data = chroma_server
    monkeypatch.setitem(registry._FAMILIES, "words", registry.LaneFamily("words", word_lane.factory()))
    settings = Settings.from_env(chroma_url=url)
    with (
        Library(tmp_path / "lib", lanes=["words"], settings=settings) as lib,
        Library(tmp_path / "other", lanes=["words"], settings=settings) as other,
    ):
        assert lib.add([sample_docs / GNUPLOT]).files[0].status == "added"
        assert other.add([sample_docs / GNUPLOT]).files[0].status == "added"
        [doc] = lib.documents()
        page = lib.pages(GNUPLOT)[4]
        top = lib.search(" ".join(page.text.split()[:30]), k=3)[0]
        assert (top.doc, top.page) == (GNUPLOT, 5)
        assert Path(top.image_path).is_file()
        assert not (lib.path / "chroma").exists()  # vectors went to the server, not an embedded store
        assert lib._chroma.collection("lane-words-v1").count() == 12
        assert lib.remove(GNUPLOT)
        assert lib._chroma.collection("lane-words-v1").get(where={"doc_id": doc.doc_id})["ids"] == []
        # the other library shares the server, not the collection
        assert other._chroma.collection("lane-words-v1").count() == 12
        assert other.search(" ".join(page.text.split()[:30]), k=1)[0].page == 5
    assert server_data.is_dir()


def test_an_unreachable_server_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setitem(registry._FAMILIES, "words", registry.LaneFamily("words", word_lane.factory()))
    settings = Settings.from_env(chroma_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(ConnectionError, match="cannot reach the Chroma server"):
        Library(tmp_path / "lib", lanes=["words"], settings=settings)
    Library(tmp_path / "lib", lanes=["words"]).close()  # the failed open released the folder's lock


def test_a_malformed_server_url_is_refused(tmp_path):
    with pytest.raises(ValueError, match="chroma_url must look like"):
        Library(tmp_path / "lib", lanes=["text"], settings=Settings.from_env(chroma_url="localhost:8000"))
