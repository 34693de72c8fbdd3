"""The app end to end through its named API, as a `gradio_client` script would drive it: add -> search -> ask.

A real server in-process (`launch` with its defaults), the real text lane, ingestion and offline answerer,
on a three-page excerpt of a dev-set PDF.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from gradio_client import Client, handle_file
from library_helpers import free_port, pdf_parts, wait_for_http
from ui_support import gnuplot_excerpt, running_app

from pagelens.ui import chats
from pagelens.ui.uploads import stage_uploads

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow
QUESTION = "How do I reset both seeds of the rand() generator to their standard value?"


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
    status, cleared, library_status, documents, *_ = added
    assert cleared is None  # the drop area is emptied for the next drop
    assert 'class="pl-file pl-added"' in status and "<b>gnuplot functions.pdf</b> added (3 pages)" in status
    assert "1</strong> document" in library_status or "**1** document" in library_status
    assert 'title="gnuplot functions.pdf · 3 pages · pdf"' in documents
    [stored] = (served.library.path / "uploads").glob("*/*")
    assert stored.name == small_pdf.name and len(stored.parent.name) == 32
    assert stored.read_bytes() == small_pdf.read_bytes()
    [doc] = served.library.documents()
    assert (doc.name, doc.pages) == ("gnuplot functions.pdf", 3)


def test_adding_the_same_file_again_is_a_no_op(added, client: Client, small_pdf: Path):
    status, *_ = client.predict([handle_file(str(small_pdf))], api_name="/add")
    assert 'class="pl-file pl-unchanged"' in status and status.count("pl-file ") == 1


def test_a_bad_file_gets_a_clear_message(added, client: Client, tmp_path: Path, served):
    fake = tmp_path / "notes.pdf"
    fake.write_text("this is not a PDF at all")
    status, *_ = client.predict([handle_file(str(fake))], api_name="/add")
    assert 'class="pl-file pl-failed"' in status and "<b>notes.pdf</b> failed: " in status
    assert [d.name for d in served.library.documents()] == ["gnuplot functions.pdf"]


def test_search_returns_ranked_pages_with_snippets(added, client: Client):
    gallery, ranking, status, hits = client.predict(
        "operator precedence exponentiation -2**2", None, 3, ["text"], api_name="/search"
    )
    assert status == "3 pages."
    rows = ranking["data"]
    assert [row[0] for row in rows] == [1, 2, 3]
    assert rows[0][1:3] == ["gnuplot functions.pdf", 3]  # original page 11: "-2**2 = -4"
    assert "precedence" in rows[0][3].lower() and rows[0][4] == "text #1"
    assert len(gallery) == 3 and all(Path(item["image"]).is_file() for item in gallery)
    assert gallery[0]["caption"] == "1. p.3"
    assert "<mark>precedence</mark>" in hits.lower() and "found by" not in hits  # one lane: no lanes column


def test_search_within_chosen_documents(added, client: Client, served, tmp_path: Path, dev_docs: Path):
    [other] = pdf_parts(dev_docs / "r-intro.pdf", tmp_path, {"r-manual.pdf": range(26, 28)})
    client.predict([handle_file(str(other))], api_name="/add")
    _, ranking, status, _ = client.predict(
        "reset the seeds of the random generator", None, 5, ["text"], ["r-manual.pdf"], api_name="/search"
    )
    assert status == "2 pages in 1 chosen document."
    assert {row[1] for row in ranking["data"]} == {"r-manual.pdf"}
    _, ranking, _, _ = client.predict(
        "reset the seeds of the random generator", None, 5, ["text"], api_name="/search"
    )
    assert ranking["data"][0][1] == "gnuplot functions.pdf"
    _, _, status, _ = client.predict("seeds", None, 5, ["text"], ["no-such.pdf"], api_name="/search")
    assert status.startswith("Search failed: no document named 'no-such.pdf'")

    chat, cited, *_ = client.predict(QUESTION, [], None, ["r-manual.pdf"], api_name="/ask")
    assert all(item["caption"].startswith("[r-manual.pdf") for item in cited)  # short enough to show whole
    assert "[gnuplot functions.pdf" not in text_of(chat[-1])
    assert served.library.remove("r-manual.pdf")


def test_image_query_without_a_visual_lane_says_so(added, client: Client, small_pdf: Path, served):
    page = served.library.pages("gnuplot functions.pdf")[0].image_path
    gallery, _, status, _ = client.predict(
        "the same page", handle_file(page), 3, ["text"], api_name="/search"
    )
    assert gallery == [] and "Image queries need a visual lane" in status


def test_ask_saves_the_conversation_and_follows_up_in_it(added, client: Client, served):
    chat, cited, conversation, *_ = client.predict(QUESTION, [], api_name="/ask")
    assert conversation
    assert chat[0]["role"] == "user" and chats.unliteral(text_of(chat[0])) == QUESTION  # shown as typed
    [steps] = [m for m in chat if (m.get("metadata") or {}).get("title")]
    assert steps["metadata"]["title"] == "How I found this"  # one block of steps per answer
    labels = text_of(steps).splitlines()
    assert len(labels) == len(set(labels)) and all(len(label) < 110 for label in labels)
    answer = chat[-1]
    assert answer["role"] == "assistant" and "[[gnuplot functions.pdf p.1]](#pl-page=" in text_of(answer)
    assert cited and all(Path(item["image"]).is_file() for item in cited)
    assert "[gnuplot fu….pdf p.1]" in [item["caption"] for item in cited]  # present.caption

    follow_up, _, same, *_ = client.predict(
        "What does value() return for a name that is not a defined variable?",
        chat,
        conversation,
        api_name="/ask",
    )
    assert same == conversation and len(follow_up) > len(chat)
    assert "[gnuplot functions.pdf p.2]" in text_of(follow_up[-1])
    saved = served.library.conversations()
    assert [m.role for m in saved.messages(conversation)] == ["user", "assistant", "user", "assistant"]
    exported = saved.export_markdown(conversation)
    assert (
        exported.startswith("# How do I reset both seeds") and "- gnuplot functions.pdf, page 2" in exported
    )


def test_the_original_file_is_served_from_the_library_only(added, served, tmp_path: Path, dev_docs: Path):
    """The viewer's "open the original" route: an upload's copy inside the library, nothing else."""
    [outside] = pdf_parts(dev_docs / "r-intro.pdf", tmp_path, {"outside.pdf": range(0, 1)})
    served.library.add([outside], progress=False)
    docs = {d.name: d for d in served.library.documents()}
    base = served.url.rstrip("/") + "/pagelens/original/"
    with httpx.Client(timeout=30) as http:
        inside = http.get(base + docs["gnuplot functions.pdf"].doc_id)
        assert inside.status_code == 200 and inside.headers["content-type"] == "application/pdf"
        assert (
            inside.content
            == next((served.library.path / "uploads").glob("*/gnuplot functions.pdf")).read_bytes()
        )
        for refused in [docs["outside.pdf"].doc_id, "0" * 20, "..%2F..%2Fcatalog.sqlite", "%2Fetc%2Fpasswd"]:
            response = http.get(base + refused)
            assert response.status_code == 404 and b"%PDF" not in response.content, refused
    assert served.library.remove("outside.pdf")


def test_settings_are_validated_and_persisted(added, client: Client, served):
    message, *_ = client.predict("text", 5, "openai", "not a url", "", api_name="/settings")
    assert message.startswith("Not saved") and not (served.library.path / "ui-settings.json").exists()
    message, lanes, _ = client.predict("text, nosuchlane", 5, "extractive", "", "", api_name="/settings")
    assert message.startswith(
        "Not saved: unknown lane 'nosuchlane'"
    )  # refused before the library is reopened
    assert served.library.lanes == ["text"] and "value" not in lanes  # the search tab's lanes are left alone
    _, ranking, *_ = client.predict("rand seeds", None, 1, ["text"], api_name="/search")
    assert ranking["data"][0][1] == "gnuplot functions.pdf"  # the library still works
    message, *_ = client.predict("text", 5, "extractive", "", "", api_name="/settings")
    assert message == "Saved."
    assert json.loads((served.library.path / "ui-settings.json").read_text())["k"] == 5


def test_remove_takes_the_document_out(added, client: Client, served):
    status, library_status, documents, *_ = client.predict("gnuplot functions.pdf", api_name="/remove")
    assert "Removed" in status and "empty" in library_status and "No documents yet" in documents
    assert served.library.documents() == []


def test_first_start_serves_at_once_and_loads_the_sample_corpus(tmp_path: Path, subprocess_env, python: str):
    """`python app.py` on an empty library: the page answers before the sample corpus is in, and a question
    about the sample is answered with a cited page soon after (the timings are printed)."""
    port = free_port()
    env = {**subprocess_env, "PAGELENS_LIBRARY": str(tmp_path / "lib"), "PAGELENS_PORT": str(port)}
    started = time.monotonic()
    server = subprocess.Popen(
        [python, "app.py"], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        serving = wait_for_http(server, url, timeout_s=120, what="python app.py")
        client = Client(url, verbose=False)
        question = "How do I compute the net present value of a series of cash flows?"
        while True:  # until the sample is in (the search waits for the running add, then sees it)
            chat, cited, *_ = client.predict(question, [], api_name="/ask")
            if cited:
                break
            assert time.monotonic() - started < 240, "the sample corpus was not answerable within 4 minutes"
        answered = time.monotonic() - started
        print(
            f"first start: page served after {serving:.1f} s, sample question answered after {answered:.1f} s"
        )
        assert "[maxima-finance.html p." in text_of(chat[-1])
        assert any(item["caption"].startswith("[maxima-fi….html p.") for item in cited)
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_original_file_route_needs_the_login(tmp_path: Path, small_pdf: Path):
    with running_app(tmp_path / "lib", auth="reader:s3cret") as served:
        served.library.add(stage_uploads([small_pdf], served.library.path, 2**30).files, progress=False)
        [doc] = served.library.documents()
        url = served.url.rstrip("/") + f"/pagelens/original/{doc.doc_id}"
        with httpx.Client(timeout=30) as http:
            assert http.get(url).status_code == 401
            login = http.post(
                f"{served.url.rstrip('/')}/login", data={"username": "reader", "password": "s3cret"}
            )
            assert login.status_code == 200
            assert http.get(url).headers["content-type"] == "application/pdf"
