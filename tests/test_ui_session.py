"""The app session's one lock: a lane swap waits for requests in flight (a streaming answer included), a
failed swap leaves a working library, and a swap that waits too long gives up without closing anything.

Real libraries (the hashed word lane of tests/word_lane.py over real Chroma), real threads; no server."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

import pymupdf
import pytest
import word_lane

from pagelens import Library
from pagelens.config import Settings
from pagelens.lanes.registry import register_lane
from pagelens.ui import session as session_module
from pagelens.ui.handlers import Handlers
from pagelens.ui.prefs import UiPrefs
from pagelens.ui.session import AppSession


@pytest.fixture(autouse=True)
def _word_lanes():
    word_lane.register("words")
    word_lane.register("morewords")


def _broken(name, ctx):
    raise RuntimeError("the model weights are missing")


@pytest.fixture
def session(tmp_path: Path):
    pdf = tmp_path / "harbour.pdf"
    with pymupdf.open() as doc:
        doc.new_page().insert_text((72, 72), "The council approved a budget for the harbour renewal.")
        doc.save(pdf)
    settings = Settings.from_env({}, library=tmp_path / "lib", lanes=["words"])
    library = Library(settings.library, lanes=["words"], settings=settings)
    library.add([pdf], progress=False)
    session = AppSession(library=library, settings=library.settings)
    yield session
    session.library.close()


def lanes_prefs(session: AppSession, lanes: list[str]) -> UiPrefs:
    return dataclasses.replace(UiPrefs.from_settings(session.settings), lanes=lanes)


def test_a_swap_waits_for_a_streaming_answer_then_swaps(session: AppSession):
    handlers = Handlers(session)
    answer = handlers.ask("What did the council approve?", [], "", None, None, None, username=None)
    next(answer)  # the question is echoed: the stream is in flight and holds the library
    first = session.library
    saved: list[str] = []
    swap = threading.Thread(
        target=lambda: saved.append(session.apply_prefs(lanes_prefs(session, ["morewords"])))
    )
    swap.start()
    swap.join(timeout=1.0)
    assert swap.is_alive() and session.library is first  # waiting: the library is not closed under the stream
    views = list(answer)  # the stream finishes on the library it started with
    assert "Could not answer" not in str(views[-1].chat[-1]["content"])
    swap.join(timeout=60)
    assert saved == ["Saved."] and session.library is not first and session.library.lanes == ["morewords"]
    assert [d.name for d in session.library.documents()] == ["harbour.pdf"]


def test_lanes_that_cannot_open_leave_the_previous_library_working(session: AppSession):
    register_lane("brokenlane", _broken)
    message = session.apply_prefs(lanes_prefs(session, ["brokenlane"]))
    assert message.startswith("Not saved: the lanes brokenlane cannot be opened") and "weights" in message
    assert session.library.lanes == ["words"]
    hits = Handlers(session).search("harbour budget", None, 3)
    assert hits.status == "1 page." and hits.rows[0][1] == "harbour.pdf"


def test_a_swap_gives_up_when_the_library_stays_busy(session: AppSession, monkeypatch):
    monkeypatch.setattr(session_module, "SWAP_WAIT_S", 0.2)
    first = session.library
    with session.reading():
        message = session.apply_prefs(lanes_prefs(session, ["morewords"]))
    assert message.startswith("Not saved: the library is busy")
    assert session.library is first and first.lanes == ["words"] and first.documents()
