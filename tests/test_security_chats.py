"""Chats belong to the user who started them (issue 24, High 1). Before, a reader listed every user's chat
titles and ids (the private load handler answers a raw `queue/join` call), asked into an editor's chat by
its id (getting its history, the turn recorded there), renamed it and deleted it.

The real app in a subprocess with PAGELENS_AUTH users of each role; named endpoints through gradio_client
and the private handlers (load, show, rename, delete) through raw `queue/join` calls, as a script would.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx
import pytest
import word_lane
from gradio_client import Client
from test_security_settings import QUESTION, app_process, budget_pdf

from pagelens import Library, Settings
from pagelens.conversations import Conversations

AUTH = "boss:pw-1:admin,ed:pw-2:editor,ann:pw-3"


@pytest.fixture(autouse=True)
def _words_lane():
    word_lane.register()


@pytest.fixture
def library(tmp_path: Path) -> Path:
    root = tmp_path / "lib"
    with Library(root, lanes=["words"], settings=Settings.from_env({})) as lib:
        assert lib.add(budget_pdf(tmp_path)).ok
    return root


class Browser:
    """A logged-in client speaking Gradio's queue protocol directly: any handler, named or private."""

    def __init__(self, url: str, user: str | None, password: str | None) -> None:
        self.base = url.rstrip("/")
        self.http = httpx.Client(timeout=120)
        self.last_error = ""  # the message of the last call Gradio refused
        if user is not None:
            login = self.http.post(f"{self.base}/login", data={"username": user, "password": password})
            assert login.is_success
        self.dependencies = {
            d["api_name"]: d["id"] for d in self.http.get(f"{self.base}/config").json()["dependencies"]
        }
        self.session = uuid.uuid4().hex  # one browser tab: components keep their choices between calls

    def call(self, api_name: str, *data) -> list | None:
        """The handler's outputs; None when Gradio refused the inputs (e.g. a choice it never offered)."""
        joined = self.http.post(
            f"{self.base}/gradio_api/queue/join",
            json={
                "data": list(data),
                "fn_index": self.dependencies[api_name],
                "trigger_id": None,
                "session_hash": self.session,
                "event_data": None,
            },
        )
        assert joined.is_success, joined.text
        with self.http.stream(
            "GET", f"{self.base}/gradio_api/queue/data", params={"session_hash": self.session}
        ) as stream:
            for line in stream.iter_lines():
                message = json.loads(line[5:]) if line.startswith("data:") else {}
                if message.get("msg") == "process_completed":
                    if message["success"]:
                        return message["output"]["data"]
                    self.last_error = str(message["output"].get("error"))
                    return None
        raise AssertionError(f"{api_name}: the queue closed without a result")

    def load(self, remembered: str = "") -> tuple[str, list, list[str]]:
        """The page load: (the chat opened, its messages, the ids listed in the sidebar)."""
        out = self.call("on_load", remembered)
        assert out is not None
        return out[0], out[1], [choice[1] for choice in out[7]["choices"]]


def chat_ids(client: Client, question: str, conversation: str = "") -> str:
    return client.predict(question, [], conversation, api_name="/ask")[2]


@pytest.mark.slow
def test_no_user_reads_continues_renames_or_deletes_another_users_chat(library: Path, subprocess_env):
    with app_process(library, {**subprocess_env, "PAGELENS_AUTH": AUTH}) as url:
        editor = Client(url, auth=("ed", "pw-2"), verbose=False)
        ed_chat = chat_ids(editor, QUESTION)
        assert ed_chat

        ann = Browser(url, "ann", "pw-3")
        opened, messages, listed = ann.load(remembered=ed_chat)  # the id learnt from a shared screen
        assert opened == "" and messages == [] and ed_chat not in listed
        shown = ann.call("on_show", ed_chat)  # refused by the sidebar's choices, or a new chat
        assert shown is None or (shown[0] == "" and shown[1] == []), shown
        ann.call("on_rename", ed_chat, "pwned")
        ann.call("on_delete", ed_chat, True)
        reader = Client(url, auth=("ann", "pw-3"), verbose=False)
        ann_chat = chat_ids(reader, "And what was it for?", ed_chat)  # asked "into" the editor's chat
        assert ann_chat and ann_chat != ed_chat

        store = Conversations(library / "conversations.sqlite")
        try:
            kept = store.get(ed_chat)
            assert kept.title != "pwned" and kept.owner == "ed"
            assert [m.content for m in store.messages(ed_chat) if m.role == "user"] == [QUESTION]
            assert store.get(ann_chat).owner == "ann"
            assert [m.content for m in store.messages(ann_chat) if m.role == "user"] == [
                "And what was it for?"
            ]
        finally:
            store.close()

        assert Browser(url, "ed", "pw-2").load()[2] == [ed_chat]  # ann's chat is not the editor's
        admin_sees = Browser(url, "boss", "pw-1").load(remembered=ed_chat)
        assert admin_sees[0] == ed_chat and set(admin_sees[2]) == {ed_chat, ann_chat}


def test_without_logins_every_client_shares_one_list(library: Path, subprocess_env):
    with app_process(library, subprocess_env) as url:
        first = chat_ids(Client(url, verbose=False), QUESTION)
        opened = Client(url, verbose=False).predict("And what was it for?", [], first, api_name="/ask")
        assert opened[2] == first  # the anonymous user continues its own chat
