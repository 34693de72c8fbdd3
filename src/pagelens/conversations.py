"""Saved chats of one library: a small SQLite file in the library folder, so chats travel with the library.

Each conversation has an id, a title (the first question, shortened, until renamed) and its messages in
order. An assistant message keeps its citations (document, page, region, quote) and the steps that found
them, so an app can redraw it after a restart and an export can list its sources.
The API uses it as history: `lib.ask(q, history=lib.conversations().history(cid))`, then `record(...)`.

Ownership: each conversation records the user who created it (`owner`; "" for the app without logins,
where every client is one shared user). Every method takes `owner`: given, a conversation of another
owner is treated exactly like a missing one (KeyError, nothing listed), so an id learnt elsewhere reads,
continues, renames and deletes nothing; None (the Python API, an app admin) sees every conversation.
Chats saved before owners were recorded belong to "" (the anonymous user; with logins, admins see them).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .types import Answer, Citation, Region, Step

DEFAULT_TITLE = "New chat"
TITLE_CHARS = 60  # a title made from a question is cut (on a word) to this many characters
QUOTE_CHARS = 160  # a cited passage in an export's source list is cut to this many characters
COLUMNS = "id, title, created_at, updated_at, owner"  # a Conversation's fields, in order

SCHEMA = """
PRAGMA journal_mode=WAL;
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    owner TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS messages (
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
    content TEXT NOT NULL,
    citations TEXT NOT NULL DEFAULT '[]',
    steps TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (conversation_id, seq)
);
"""


@dataclass(frozen=True)
class Conversation:
    id: str
    title: str
    created_at: str  # ISO times, UTC
    updated_at: str
    owner: str = ""  # the user who created it ("" without logins)


@dataclass
class Message:
    role: str  # user | assistant
    content: str
    citations: list[Citation] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)


def shorten(text: str, limit: int) -> str:
    """`text` on one line, cut on a word boundary to at most `limit` characters (with an ellipsis)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] or text[: limit - 1]
    return cut.rstrip(" ,.;:") + "…"


class Conversations:
    """The conversations of one library. Thread-safe; ids are random hex strings."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.path, check_same_thread=False)
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(conversations)")}
        if "owner" not in columns:  # a library from before chats had owners
            with self._db:
                self._db.execute("ALTER TABLE conversations ADD COLUMN owner TEXT NOT NULL DEFAULT ''")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # conversations ---------------------------------------------------------------------------------
    def list(self, *, owner: str | None = None) -> list[Conversation]:
        """Most recently used first; only `owner`'s when given."""
        where, args = ("WHERE owner = ? ", (owner,)) if owner is not None else ("", ())
        with self._lock:
            rows = self._db.execute(
                f"SELECT {COLUMNS} FROM conversations {where}"
                "ORDER BY updated_at DESC, created_at DESC, rowid DESC",
                args,
            ).fetchall()
        return [Conversation(*row) for row in rows]

    def get(self, conversation_id: str, *, owner: str | None = None) -> Conversation:
        """KeyError when there is no such conversation, or it is not `owner`'s (the same message)."""
        with self._lock:
            row = self._db.execute(
                f"SELECT {COLUMNS} FROM conversations WHERE id = ?", (conversation_id,)
            ).fetchone()
        if row is None or (owner is not None and row[-1] != owner):
            raise KeyError(f"no conversation {conversation_id!r}")
        return Conversation(*row)

    def create(self, title: str = DEFAULT_TITLE, *, owner: str = "") -> Conversation:
        now = _now()
        conversation = Conversation(uuid.uuid4().hex[:16], _title(title), now, now, owner)
        with self._lock, self._db:
            self._db.execute(
                f"INSERT INTO conversations ({COLUMNS}) VALUES (?, ?, ?, ?, ?)",
                tuple(asdict(conversation).values()),
            )
        return conversation

    def rename(self, conversation_id: str, title: str, *, owner: str | None = None) -> Conversation:
        """ValueError for an empty title, KeyError for an unknown conversation."""
        if not " ".join((title or "").split()):
            raise ValueError("a conversation needs a title")
        self.get(conversation_id, owner=owner)
        with self._lock, self._db:
            changed = self._db.execute(
                "UPDATE conversations SET title = ? WHERE id = ?", (_title(title), conversation_id)
            ).rowcount
        if not changed:
            raise KeyError(f"no conversation {conversation_id!r}")
        return self.get(conversation_id)

    def delete(self, conversation_id: str, *, owner: str | None = None) -> bool:
        try:
            self.get(conversation_id, owner=owner)
        except KeyError:
            return False
        with self._lock, self._db:
            deleted = self._db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,)).rowcount
        return bool(deleted)

    # messages --------------------------------------------------------------------------------------
    def messages(self, conversation_id: str, *, owner: str | None = None) -> list[Message]:
        self.get(conversation_id, owner=owner)
        with self._lock:
            rows = self._db.execute(
                "SELECT role, content, citations, steps FROM messages WHERE conversation_id = ? ORDER BY seq",
                (conversation_id,),
            ).fetchall()
        return [
            Message(
                role,
                content,
                [_citation(c) for c in json.loads(citations)],
                [Step(**s) for s in json.loads(steps)],
            )
            for role, content, citations, steps in rows
        ]

    def history(self, conversation_id: str, *, owner: str | None = None) -> list[dict]:
        """The conversation as OpenAI-style messages, the `history` that `Library.ask` takes."""
        return [{"role": m.role, "content": m.content} for m in self.messages(conversation_id, owner=owner)]

    def record(
        self, conversation_id: str, question: str, answer: Answer, *, owner: str | None = None
    ) -> Conversation:
        """Append one turn (the question and its answer, with citations and steps); a conversation still
        called "New chat" takes the question as its title."""
        conversation = self.get(conversation_id, owner=owner)
        with self._lock, self._db:
            (seq,) = self._db.execute(
                "SELECT COALESCE(MAX(seq), 0) FROM messages WHERE conversation_id = ?", (conversation_id,)
            ).fetchone()
            self._db.executemany(
                "INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (conversation_id, seq + 1, "user", question, "[]", "[]"),
                    (
                        conversation_id,
                        seq + 2,
                        "assistant",
                        answer.text,
                        json.dumps([asdict(c) for c in answer.citations]),
                        json.dumps([asdict(s) for s in answer.steps]),
                    ),
                ],
            )
            title = _title(question) if conversation.title == DEFAULT_TITLE else conversation.title
            self._db.execute(
                "UPDATE conversations SET title = ?, updated_at = ? WHERE id = ?",
                (title, _now(), conversation_id),
            )
        return self.get(conversation_id)

    def export_markdown(self, conversation_id: str, *, owner: str | None = None) -> str:
        """The conversation as Markdown: each question, each answer, and under it the pages it cites."""
        conversation = self.get(conversation_id, owner=owner)
        lines = [
            f"# {conversation.title}",
            "",
            f"_Exported from pagelens; started {conversation.created_at}._",
            "",
        ]
        for message in self.messages(conversation_id, owner=owner):
            if message.role == "user":
                lines += [f"**Question:** {message.content}", ""]
                continue
            lines += [message.content.strip(), ""]
            sources = list(dict.fromkeys(_source(c) for c in message.citations))
            if sources:
                lines += ["Sources:", *[f"- {source}" for source in sources], ""]
        return "\n".join(lines).rstrip() + "\n"


def _source(citation: Citation) -> str:
    """`doc, page N` and the quoted passage, one line of an export's source list."""
    quote = f": “{shorten(citation.quote, QUOTE_CHARS)}”" if citation.quote else ""
    return f"{citation.doc}, page {citation.page}{quote}"


def _title(text: str) -> str:
    return shorten(text, TITLE_CHARS) or DEFAULT_TITLE


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def _citation(data: dict) -> Citation:
    region = data.get("region")
    if region is not None:
        region = Region(kind=region["kind"], box=tuple(region["box"]), text=region.get("text", ""))
    return Citation(**{**data, "region": region})
