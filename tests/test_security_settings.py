"""The answering setup is the operator's: no client of the app can point answering (and the operator's API
key) at its own URL, make its choice everyone's, or read a remote server's reply through an error step;
requests for foreign host names (DNS rebinding) are refused; roles decide who may add, remove and save.

Real servers throughout: the app in a subprocess or in-process over HTTP, `gradio_client` as the client,
and real local HTTP servers as the operator's LLM endpoint and as the attacker's.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pymupdf
import pytest
import word_lane
from gradio_client import Client, handle_file
from http_recorder import Recorder
from library_helpers import free_port, wait_for_http
from ui_support import running_app

from pagelens import Library, Settings
from pagelens.ui.prefs import UiPrefs, load_prefs, prefs_path
from pagelens.ui.security import allowed_hosts, parse_auth, role_of

KEY = "sk-operator-secret"
QUESTION = "What budget did the council approve?"
LAUNCH_WORDS_APP = (
    "import word_lane; word_lane.register(); from pagelens.config import Settings; "
    "from pagelens.ui.server import launch; launch(Settings.from_env(), lanes=['words'], sample_dir=None)"
)


@pytest.fixture(autouse=True)
def _words_lane():
    word_lane.register()
    word_lane.register("words2")  # a second known lane, so that changing lanes is a valid choice to refuse


@pytest.fixture
def servers() -> Iterator[tuple[Recorder, Recorder]]:
    operator, attacker = Recorder(), Recorder(reply="pwned")
    yield operator, attacker
    operator.close()
    attacker.close()


def budget_pdf(
    folder: Path,
    name: str = "budget.pdf",
    text: str = "The council approved a budget of 42 million for the harbour renewal in its spring session.",
) -> Path:
    path = folder / name
    with pymupdf.open() as doc:
        doc.new_page().insert_text((72, 72), text, fontsize=12)
        doc.save(path)
    return path


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """A library holding one small document, so that a question reaches the answering backend."""
    root = tmp_path / "lib"
    with Library(root, lanes=["words"], settings=Settings.from_env({})) as lib:
        assert lib.add(budget_pdf(tmp_path)).files[0].status == "added"
    return root


def operator_llm(operator: Recorder, **more) -> dict:
    return {
        "llm_backend": "openai",
        "llm_base_url": operator.url,
        "llm_model": "m",
        "llm_api_key": KEY,
        **more,
    }


def chat_text(chat: list[dict]) -> str:
    def text(message: dict) -> str:
        content = message["content"]
        return content if isinstance(content, str) else " ".join(part.get("text", "") for part in content)

    return "\n".join(text(m) + json.dumps(m.get("metadata") or {}) for m in chat)


def try_settings(client: Client, *values) -> str:
    """The Settings tab's message, or the refusal Gradio raised before the handler ran."""
    try:
        return client.predict(*values, api_name="/settings")[0]
    except Exception as err:  # e.g. a value outside a dropdown's choices
        return f"Not saved: {err}"


@contextmanager
def app_process(library: Path, env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    environment = {**env, "PAGELENS_LIBRARY": str(library), "PAGELENS_PORT": str(port)}
    server = subprocess.Popen(
        [sys.executable, "-c", LAUNCH_WORDS_APP],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for_http(server, url, timeout_s=120, what="the app")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.slow
def test_no_client_can_point_answering_at_its_own_url(library: Path, servers, subprocess_env):
    """Finding 1: a client's /settings call made every later /ask of every user POST pages and the operator's
    key to the client's URL, and the choice survived restarts."""
    operator, attacker = servers
    env = {**subprocess_env, **{f"PAGELENS_{k.upper()}": v for k, v in operator_llm(operator).items()}}
    with app_process(library, env) as url:
        message = try_settings(Client(url, verbose=False), "words", 10, "openai", attacker.url, "m")
        assert message.startswith("Not saved") and "operator" in message
        Client(url, verbose=False).predict(QUESTION, [], api_name="/ask")
    assert not prefs_path(library).exists()
    with app_process(library, env) as url:  # and after a restart
        chat, *_ = Client(url, verbose=False).predict(QUESTION, [], api_name="/ask")
    assert attacker.seen == []
    assert operator.authorizations() and set(operator.authorizations()) == {f"Bearer {KEY}"}
    assert "[budget.pdf p.1]" in chat_text(chat) or "answer is on the page" in chat_text(chat)


def test_a_client_choice_holds_for_its_session_and_the_key_stays_home(library: Path, servers):
    operator, other = servers
    with running_app(
        library, lanes=["words"], **operator_llm(operator, llm_allowed_urls=[other.url])
    ) as served:
        chooser, bystander = Client(served.url, verbose=False), Client(served.url, verbose=False)
        assert try_settings(chooser, "words", 5, "openai", other.url, "m") == "Applied to this session only."
        chooser.predict(QUESTION, [], api_name="/ask")
        assert other.seen and all(auth == "" for auth in other.authorizations())  # the key went nowhere else
        assert operator.seen == []
        chosen_calls = len(other.seen)
        bystander.predict(QUESTION, [], api_name="/ask")
        assert operator.seen and set(operator.authorizations()) == {f"Bearer {KEY}"}
        assert len(other.seen) == chosen_calls  # the other client's choice is not the bystander's
        assert not prefs_path(library).exists()


def test_answering_follows_no_redirect_to_another_server(library: Path, servers):
    redirected_to = servers[1]
    hop = Recorder(status=307, location=redirected_to.url + "/chat/completions")
    try:
        with running_app(library, lanes=["words"], **operator_llm(hop)) as served:
            chat, *_ = Client(served.url, verbose=False).predict(QUESTION, [], api_name="/ask")
        assert hop.seen and redirected_to.seen == []
        assert "redirect" in chat_text(chat)
    finally:
        hop.close()


def test_error_steps_never_echo_what_the_remote_server_said(library: Path):
    internal = Recorder(status=500, body='{"error": "db password is hunter2 INTERNAL-ONLY"}')
    try:
        with running_app(library, lanes=["words"], **operator_llm(internal)) as served:
            chat, *_ = Client(served.url, verbose=False).predict(QUESTION, [], api_name="/ask")
        text = chat_text(chat)
        assert internal.seen and "HTTP 500" in text
        assert "hunter2" not in text and "INTERNAL-ONLY" not in text
    finally:
        internal.close()


def test_requests_for_a_foreign_host_name_are_refused(library: Path):
    with running_app(library, lanes=["words"]) as served:
        port = served.url.rstrip("/").rsplit(":", 1)[1]
        with httpx.Client(timeout=30) as http:
            assert http.get(served.url).status_code == 200
            assert http.get(served.url, headers={"Host": f"localhost:{port}"}).status_code == 200
            rebound = http.get(served.url, headers={"Host": f"attacker.example:{port}"})
            assert rebound.status_code == 400
            api = http.post(
                served.url.rstrip("/") + "/gradio_api/call/settings",
                json={"data": []},
                headers={"Host": "attacker.example"},
            )
            assert api.status_code == 400


def test_allowed_hosts_default_and_wildcard_bind():
    assert allowed_hosts(Settings.from_env({})) == ["127.0.0.1", "localhost"]
    with pytest.raises(ValueError, match="PAGELENS_ALLOWED_HOSTS"):
        allowed_hosts(Settings.from_env({}, host="0.0.0.0"))
    env = {"PAGELENS_HOST": "0.0.0.0", "PAGELENS_ALLOWED_HOSTS": "docs.example.org, 10.0.0.5"}
    assert allowed_hosts(Settings.from_env(env)) == ["docs.example.org", "10.0.0.5"]


def test_roles_decide_who_adds_removes_and_saves_for_everyone(library: Path, tmp_path: Path, servers):
    operator, other = servers
    auth = "boss:pw-1:admin,ed:pw-2:editor,ann:pw-3"
    with running_app(
        library, lanes=["words"], auth=auth, **operator_llm(operator, llm_allowed_urls=[other.url])
    ) as served:
        reader = Client(served.url, auth=("ann", "pw-3"), verbose=False)
        status, *_ = reader.predict([handle_file(str(budget_pdf(tmp_path, "other.pdf")))], api_name="/add")
        assert status.startswith("Not added") and "editor role" in status
        status, *_ = reader.predict("budget.pdf", api_name="/remove")
        assert status.startswith("Not removed") and [d.name for d in served.library.documents()] == [
            "budget.pdf"
        ]
        assert "admin role" in try_settings(reader, "words, words2", 5, "extractive", operator.url, "m")
        assert try_settings(reader, "words", 5, "openai", other.url, "m") == "Applied to this session only."

        admin = Client(served.url, auth=("boss", "pw-1"), verbose=False)
        assert try_settings(admin, "words", 7, "openai", other.url, "m2") == "Saved."
        saved = json.loads(prefs_path(library).read_text())
        assert (
            saved["k"] == 7
            and saved["llm_base_url"] == other.url
            and KEY not in prefs_path(library).read_text()
        )
        Client(served.url, auth=("ed", "pw-2"), verbose=False).predict(QUESTION, [], api_name="/ask")
        assert other.seen and all(auth == "" for auth in other.authorizations())

        editor = Client(served.url, auth=("ed", "pw-2"), verbose=False)
        status, *_ = editor.predict("budget.pdf", api_name="/remove")
        assert "Removed" in status and served.library.documents() == []


def test_auth_entries_and_roles():
    users = parse_auth("solo:pa:ss")
    assert users["solo"].password == "pa:ss" and users["solo"].role == "admin"  # the lone operator
    users = parse_auth("a:x:admin, b:y:editor, c:z")
    assert [u.role for u in users.values()] == ["admin", "editor", "reader"]
    with pytest.raises(ValueError, match="entry 2"):
        parse_auth("a:x,nopassword")
    settings = Settings.from_env({}, auth="a:x:admin,c:z")
    assert role_of("c", settings) == "reader" and role_of("stranger", settings) == "reader"
    assert role_of(None, Settings.from_env({})) == "editor"
    assert role_of(None, Settings.from_env({"PAGELENS_ANONYMOUS_ROLE": "reader"})) == "reader"


def _prefs(operator: Settings, **choices) -> UiPrefs:
    return dataclasses.replace(UiPrefs.from_settings(operator), **choices)


def test_a_saved_endpoint_the_operator_does_not_allow_is_dropped(tmp_path: Path):
    operator = Settings.from_env(
        {}, library=tmp_path, llm_backend="openai", llm_base_url="http://llm.internal/v1"
    )
    prefs_path(tmp_path).write_text(
        json.dumps(
            {"lanes": ["text"], "k": 4, "llm_backend": "openai", "llm_base_url": "http://attacker.example/v1"}
        )
    )
    loaded = load_prefs(tmp_path, operator)
    assert loaded.k == 4 and loaded.llm_base_url == "http://llm.internal/v1"
    with pytest.raises(ValueError, match="operator"):
        _prefs(operator, llm_backend="openai", llm_base_url="http://attacker.example/v1").validated(operator)
    with pytest.raises(ValueError, match="backend"):
        _prefs(operator, llm_backend="transformers").validated(operator)
    keyed = operator.replace(llm_api_key=KEY, llm_allowed_urls=["http://other.internal/v1"])
    assert (
        _prefs(keyed, llm_backend="openai", llm_base_url="http://llm.internal/v1/").apply(keyed).llm_api_key
        == KEY
    )
    assert (
        _prefs(keyed, llm_backend="openai", llm_base_url="http://other.internal/v1").apply(keyed).llm_api_key
        == ""
    )
