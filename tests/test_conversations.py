"""Saved chats: kept in the library folder, listed, renamed, deleted, continued and exported across reopen."""

from __future__ import annotations

from pathlib import Path

import pytest
import word_lane

from pagelens import Library
from pagelens.config import Settings
from pagelens.conversations import DEFAULT_TITLE, TITLE_CHARS
from pagelens.types import Answer, Citation, Region, Step


@pytest.fixture(autouse=True)
def _words_lane():
    word_lane.register()


def open_library(root: Path) -> Library:
    return Library(root, lanes=["words"], settings=Settings.from_env({}))


def answer(text: str, doc: str, page: int) -> Answer:
    citation = Citation(
        doc=doc,
        page=page,
        doc_id="d1",
        image_path="/x.png",
        region=Region("text", (1, 2, 3, 4), "t"),
        quote="the quoted line",
    )
    return Answer(
        text=f"{text} [{doc} p.{page}]",
        citations=[citation],
        steps=[Step("search", "Searched", "2 pages")],
        answerable=True,
    )


def test_a_conversation_survives_reopening_the_library(tmp_path: Path):
    root = tmp_path / "lib"
    with open_library(root) as library:
        chats = library.conversations()
        first = chats.create()
        assert first.title == DEFAULT_TITLE
        long_question = "How do I reset the seeds of the generator " + "and more words " * 30
        chats.record(first.id, long_question, answer("Call rand(-1).", "gnuplot.pdf", 1))
        second = chats.create("Finance")
        chats.record(second.id, "What is npv?", answer("Net present value.", "finance.html", 2))
    with open_library(root) as library:
        chats = library.conversations()
        listed = chats.list()
        assert [c.id for c in listed] == [second.id, first.id]  # most recently used first
        assert listed[0].title == "Finance"  # a chosen title is kept
        assert listed[1].title.startswith("How do I reset the seeds") and len(listed[1].title) <= TITLE_CHARS
        messages = chats.messages(first.id)
        assert [m.role for m in messages] == ["user", "assistant"]
        [cited] = messages[1].citations
        assert (cited.doc, cited.page, cited.region.box) == ("gnuplot.pdf", 1, (1, 2, 3, 4))
        assert cited.quote == "the quoted line"
        assert messages[1].steps == [Step("search", "Searched", "2 pages")]
        assert chats.history(first.id) == [
            {"role": "user", "content": long_question},
            {"role": "assistant", "content": "Call rand(-1). [gnuplot.pdf p.1]"},
        ]


def test_rename_delete_and_export(tmp_path: Path):
    with open_library(tmp_path / "lib") as library:
        chats = library.conversations()
        chat = chats.create()
        chats.record(chat.id, "What is npv?", answer("Net present value.", "finance.html", 2))
        assert chats.rename(chat.id, "  Money   questions ").title == "Money questions"
        with pytest.raises(ValueError):
            chats.rename(chat.id, "  ")
        exported = chats.export_markdown(chat.id)
        assert exported.startswith("# Money questions\n")
        assert "**Question:** What is npv?" in exported
        assert "Net present value. [finance.html p.2]" in exported
        assert "- finance.html, page 2: “the quoted line”" in exported
        assert chats.delete(chat.id) and not chats.delete(chat.id)
        assert chats.list() == []
        with pytest.raises(KeyError):
            chats.messages(chat.id)
        assert (library.path / "conversations.sqlite").is_file()


def test_a_conversation_belongs_to_its_owner(tmp_path: Path):
    """Issue 24: an id learnt elsewhere reads, continues, renames and deletes nothing of another's chat."""
    import sqlite3

    root = tmp_path / "lib"
    legacy = sqlite3.connect(root.parent / "old.sqlite")  # a chats file from before owners were recorded
    legacy.executescript(
        "CREATE TABLE conversations (id TEXT PRIMARY KEY, title TEXT NOT NULL, created_at TEXT NOT NULL, "
        "updated_at TEXT NOT NULL); INSERT INTO conversations VALUES ('old1', 'Old chat', 't', 't');"
    )
    legacy.commit()
    legacy.close()
    root.mkdir()
    (root.parent / "old.sqlite").rename(root / "conversations.sqlite")
    with open_library(root) as library:
        chats = library.conversations()
        ann = chats.create(owner="ann")
        chats.record(ann.id, "What is npv?", answer("Net present value.", "finance.html", 2), owner="ann")
        bob = chats.create(owner="bob")
        assert [c.id for c in chats.list(owner="ann")] == [ann.id]
        assert [c.id for c in chats.list(owner="")] == ["old1"]  # the shared owner of the anonymous app
        assert {c.id for c in chats.list()} == {ann.id, bob.id, "old1"}  # the API (and admins) see all
        for attempt in (
            lambda: chats.messages(ann.id, owner="bob"),
            lambda: chats.history(ann.id, owner="bob"),
            lambda: chats.record(ann.id, "and irr?", answer("x", "f.html", 1), owner="bob"),
            lambda: chats.rename(ann.id, "mine now", owner="bob"),
            lambda: chats.export_markdown(ann.id, owner="bob"),
        ):
            with pytest.raises(KeyError, match="no conversation"):
                attempt()
        assert not chats.delete(ann.id, owner="bob")
        assert chats.get(ann.id).title == "What is npv?" and len(chats.messages(ann.id, owner="ann")) == 2
        assert chats.delete(ann.id, owner="ann") and chats.list(owner="ann") == []
