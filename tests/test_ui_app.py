"""The app end to end through its named API, as a `gradio_client` script would drive it: add -> search -> ask.

A real server in-process (`launch` with its defaults), the real text lane, ingestion and offline answerer,
on a three-page excerpt of a dev-set PDF.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest
from gradio_client import Client, handle_file

from library_helpers import free_port, wait_for_http
from ui_support import gnuplot_excerpt, running_app

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def text_of(message: dict) -> str:
    """A chat message's text (Gradio hands content back as a list of typed parts)."""
    content = message["content"]
    return content if isinstance(content, str) else " ".join(part.get("text", "") for part in content)


@pytest.fixture(scope="module")
def small_pdf(tmp_path_factory, sample_docs: Path) -> Path:
    return gnuplot_excerpt(sample_docs, tmp_path_factory.mktemp("drop") / "gnuplot functions.pdf")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    # an admin's settings are saved for everyone (test_settings_are_validated_and_persisted)
    with running_app(tmp_path_factory.mktemp("app") / "lib", anonymous_role="admin") as served:
        yield served


@pytest.fixture(scope="module")
def client(served) -> Client:
    return Client(served.url, verbose=False)


@pytest.fixture(scope="module")
def added(client: Client, small_pdf: Path):
    return client.predict([handle_file(str(small_pdf))], api_name="/add")


def test_add_copies_the_upload_into_the_library_and_lists_it(added, served, small_pdf: Path):
    status, table, _ = added
    assert "gnuplot functions.pdf** added (3 pages)" in status
    assert table["data"] == [["gnuplot functions.pdf", 3, "complete"]]
    [stored] = (served.library.path / "uploads").glob("*/*")
    assert stored.name == small_pdf.name and len(stored.parent.name) == 32
    assert stored.read_bytes() == small_pdf.read_bytes()
    [doc] = served.library.documents()
    assert (doc.name, doc.pages) == ("gnuplot functions.pdf", 3)


def test_adding_the_same_file_again_is_a_no_op(added, client: Client, small_pdf: Path):
    status, table, _ = client.predict([handle_file(str(small_pdf))], api_name="/add")
    assert "unchanged" in status and len(table["data"]) == 1


def test_a_bad_file_gets_a_clear_message(added, client: Client, tmp_path: Path):
    fake = tmp_path / "notes.pdf"
    fake.write_text("this is not a PDF at all")
    status, table, _ = client.predict([handle_file(str(fake))], api_name="/add")
    assert "notes.pdf** failed:" in status
    assert [row[0] for row in table["data"]] == ["gnuplot functions.pdf"]


def test_search_returns_ranked_page_thumbnails_with_lanes(added, client: Client):
    gallery, ranking, status = client.predict("operator precedence exponentiation -2**2", None, 3, ["text"],
                                              api_name="/search")
    assert status == "3 pages."
    rows = ranking["data"]
    assert [row[0] for row in rows] == [1, 2, 3]
    assert rows[0][1:3] == ["gnuplot functions.pdf", 3]  # original page 11: "-2**2 = -4"
    assert rows[0][4].startswith("text #1")
    assert len(gallery) == 3 and all(Path(item["image"]).is_file() for item in gallery)
    assert gallery[0]["caption"].startswith("1. gnuplot functions.pdf p.3")


def test_image_query_without_a_visual_lane_says_so(added, client: Client, small_pdf: Path, served):
    page = served.library.pages("gnuplot functions.pdf")[0].image_path
    gallery, _, status = client.predict("the same page", handle_file(page), 3, ["text"], api_name="/search")
    assert gallery == [] and "Image queries need a visual lane" in status


def test_ask_answers_with_cited_page_thumbnails_and_follows_up(added, client: Client):
    chat, cited, box = client.predict("How do I reset both seeds of the rand() generator to their standard value?",
                                      [], api_name="/ask")
    assert box == ""
    assert chat[0]["role"] == "user" and "rand()" in text_of(chat[0])
    steps = [m for m in chat if (m.get("metadata") or {}).get("title")]
    assert steps, "the agent's steps stream into the chat as collapsible messages"
    answer = chat[-1]
    assert answer["role"] == "assistant" and not (answer.get("metadata") or {}).get("title")
    assert "[gnuplot functions.pdf p.1]" in text_of(answer)
    assert cited and all(Path(item["image"]).is_file() for item in cited)
    assert "[gnuplot functions.pdf p.1]" in [item["caption"] for item in cited]

    follow_up, _, _ = client.predict("What does value() return for a name that is not a defined variable?", chat, api_name="/ask")
    assert len(follow_up) > len(chat) and follow_up[: len(chat)] == chat
    assert "[gnuplot functions.pdf p.2]" in text_of(follow_up[-1])


def test_settings_are_validated_and_persisted(added, client: Client, served):
    message, _ = client.predict("text", 5, "openai", "not a url", "", api_name="/settings")
    assert message.startswith("Not saved") and not (served.library.path / "ui-settings.json").exists()
    message, lanes = client.predict("text, nosuchlane", 5, "extractive", "", "", api_name="/settings")
    assert message.startswith("Not saved: unknown lane 'nosuchlane'")  # refused before the library is reopened
    assert served.library.lanes == ["text"] and "value" not in lanes  # the search tab's lanes are left alone
    _, ranking, _ = client.predict("rand seeds", None, 1, ["text"], api_name="/search")
    assert ranking["data"][0][1] == "gnuplot functions.pdf"  # the library still works
    message, _ = client.predict("text", 5, "extractive", "", "", api_name="/settings")
    assert message == "Saved."
    assert json.loads((served.library.path / "ui-settings.json").read_text())["k"] == 5


def test_remove_takes_the_document_out(added, client: Client, served):
    status, table, _ = client.predict("gnuplot functions.pdf", api_name="/remove")
    assert "Removed" in status and table["data"] in ([], [["", "", ""]])
    assert served.library.documents() == []


def test_first_start_serves_at_once_and_loads_the_sample_corpus(tmp_path: Path, subprocess_env, python: str):
    """`python app.py` on an empty library: the page answers before the sample corpus is in, and a question
    about the sample is answered with a cited page soon after (the timings are printed)."""
    port = free_port()
    env = {**subprocess_env, "PAGELENS_LIBRARY": str(tmp_path / "lib"), "PAGELENS_PORT": str(port)}
    started = time.monotonic()
    server = subprocess.Popen([python, "app.py"], cwd=REPO, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://127.0.0.1:{port}/"
        serving = wait_for_http(server, url, timeout_s=120, what="python app.py")
        client = Client(url, verbose=False)
        question = "How do I compute the net present value of a series of cash flows?"
        while True:  # until the sample is in (the search waits for the running add, then sees it)
            chat, cited, _ = client.predict(question, [], api_name="/ask")
            if cited:
                break
            assert time.monotonic() - started < 240, "the sample corpus was not answerable within 4 minutes"
        answered = time.monotonic() - started
        print(f"first start: page served after {serving:.1f} s, sample question answered after {answered:.1f} s")
        assert "[maxima-finance.html p." in text_of(chat[-1])
        assert any(item["caption"].startswith("[maxima-finance.html p.") for item in cited)
    finally:
        server.terminate()
        server.wait(timeout=30)
