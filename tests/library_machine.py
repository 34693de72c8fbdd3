"""A Hypothesis state machine over `Library` (the way Chroma tests itself): random sequences of add, update,
remove, reopen in a new process and kill -9 mid-add, folder changes and syncs, and two users' chats,
checked after every step against a plain model.

Invariants: the catalog holds exactly the model's documents; every lane's vectors, the image store and the
uploads folder hold exactly the catalog's documents (no stale vectors, pages or copies); a search for a
document's own word finds that document. Files arrive as the app brings them (copies staged in
`<library>/uploads/`), so upload hygiene is checked too. The library lies inside the synced folder (as the
default ./pagelens-library does): files there are created, modified, renamed, deleted and linked to a file
outside, and a sync makes the folder's documents match the folder as it was, with the link refused, while
the uploads stay; so no document leaves except through its own folder's sync or an explicit remove.
Two users start and delete chats (deleting only their own); neither ever lists or opens the other's,
through the Conversations API or the app's handlers.

Used by tests/test_library_state.py (a bounded run in CI) and bench/bench_library_state.py (a longer run).
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver
import os
import signal
import sqlite3
import tempfile
import time
from pathlib import Path

import pymupdf
import word_lane
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from pagelens import Library, Settings
from pagelens.types import Answer
from pagelens.ui.handlers import Handlers
from pagelens.ui.session import AppSession
from pagelens.ui.uploads import stage_uploads

TESTS_DIR = Path(__file__).resolve().parent
NAMES = ("alpha.pdf", "beta.pdf", "gamma.pdf")
SYNCED = ("delta.pdf", "zeta.pdf", "sub/eps.pdf")  # names of files in the synced folder
LINK = "link.pdf"  # a link in the synced folder to a file outside it: never a document
USERS = ("ann", "bob")
AUTH = "boss:pw0:admin,ann:pw1,bob:pw2"
VERSIONS = 3
# The processes that reopen a library or get killed mid-add fork from a server that imported pagelens once
# (multiprocessing's forkserver: a fresh process without the parent's threads or open library, started
# in a fraction of the second a `python -c` that imports chromadb takes), so an example costs its steps,
# not interpreter start-ups.
PROCESSES = multiprocessing.get_context("forkserver")
PROCESSES.set_forkserver_preload(["library_machine"])  # and with it pagelens, pymupdf, word_lane


def start_processes() -> None:
    """Start the forkserver (once) with this folder on PYTHONPATH: Python 3.11's forkserver ignores the
    parent's sys.path, and a preload it cannot import is skipped silently (each process would then import
    this module anew, seconds each)."""
    before = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS_DIR), before]))
    try:
        multiprocessing.forkserver.ensure_running()
    finally:
        if before is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = before


def reopen_and_search(root: str, words: dict[str, str], reply) -> None:
    """In a new process: the library's documents (name -> content hash) and what a search finds for each
    document's own word, sent on `reply`."""
    word_lane.register()
    with Library(root, lanes=["words"]) as lib:
        docs = {d.name: d.content_hash for d in lib.documents()}
        found = {name: [h.doc for h in lib.search(word, k=1)] for name, word in words.items()}
    reply.send({"docs": docs, "found": found})


def slow_add(root: str, path: str) -> None:
    """In a new process: add `path`, each page waiting in the lanes (so a kill -9 lands mid-add)."""
    os.environ[word_lane.INDEX_DELAY_ENV] = "2"
    word_lane.register()
    with Library(root, lanes=["words"]) as lib:
        lib.add(path, replace=True)


def word_of(name: str, version: int) -> str:
    """A token only this (name, version) holds, so a search for it must find exactly that document."""
    return f"{name.split('.')[0]}token{version}"


class LibraryMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        start_processes()
        word_lane.register()
        self.tmp = Path(tempfile.mkdtemp(prefix="pagelens-machine-"))
        self.folder = self.tmp / "synced"
        self.root = self.folder / "pagelens-library"  # the library inside the synced folder
        self.sources = self.tmp / "sources"
        self.sources.mkdir()
        self.model: dict[str, int] = {}  # document name -> version held
        self.files: dict[str, str] = {}  # synced folder now: file name -> the word its content holds
        self.synced: dict[str, str] = {}  # the folder's documents as of the last sync: name -> word
        self.chats: dict[str, str] = {}  # chat id -> owner
        self.library = self._open()

    # helpers ---------------------------------------------------------------------------------------
    def _open(self) -> Library:
        return Library(self.root, lanes=["words"], settings=Settings.from_env({}, ocr="off"))

    def _source(self, name: str, version: int) -> Path:
        folder = self.sources / f"v{version}"
        folder.mkdir(exist_ok=True)
        path = folder / name
        if not path.exists():
            with pymupdf.open() as doc:
                for page in range(1 + version % 2):
                    doc.new_page().insert_text(
                        (72, 72), f"{word_of(name, version)} page {page + 1} of {name}"
                    )
                doc.save(path)
        return path

    def _staged(self, name: str, version: int) -> Path:
        [copy] = stage_uploads([self._source(name, version)], self.root, 2**30).files
        return copy

    def _write(self, name: str, word: str) -> None:
        path = self.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with pymupdf.open() as doc:
            doc.new_page().insert_text((72, 72), f"{word} in the synced folder")
            doc.save(path)
        stamp = time.time() - 60  # settled
        os.utime(path, (stamp, stamp))

    # rules -----------------------------------------------------------------------------------------
    @rule(name=st.sampled_from(NAMES), version=st.integers(0, VERSIONS - 1))
    def add_or_update(self, name: str, version: int) -> None:
        [outcome] = self.library.add(self._staged(name, version), replace=True).files
        expected = (
            "unchanged" if self.model.get(name) == version else ("updated" if name in self.model else "added")
        )
        assert outcome.status == expected, outcome
        self.model[name] = version

    @precondition(lambda self: self.model)
    @rule(data=st.data())
    def remove(self, data) -> None:
        name = data.draw(st.sampled_from(sorted(self.model)))
        assert self.library.remove(name)
        del self.model[name]

    @rule(name=st.sampled_from(NAMES))
    def remove_missing_is_false(self, name: str) -> None:
        if name not in self.model:
            assert not self.library.remove(name)

    @rule()
    def reopen_in_a_new_process(self) -> None:
        self.library.close()
        words = {**{name: word_of(name, version) for name, version in self.model.items()}, **self.synced}
        reply, child_end = PROCESSES.Pipe(duplex=False)
        child = PROCESSES.Process(target=reopen_and_search, args=(str(self.root), words, child_end))
        child.start()
        child_end.close()
        try:
            assert reply.poll(300), "the reopening process did not answer"
            seen = reply.recv()
        finally:
            child.join(timeout=60)
        assert child.exitcode == 0, child.exitcode
        assert sorted(seen["docs"]) == sorted(words)
        assert all(found[:1] == [name] for name, found in seen["found"].items()), seen["found"]
        self.library = self._open()

    @rule(name=st.sampled_from(NAMES), version=st.integers(0, VERSIONS - 1))
    def kill_9_mid_add(self, name: str, version: int) -> None:
        """An add killed while its pages go into the lanes leaves nothing behind once the library reopens."""
        if self.model.get(name) == version:
            return  # an unchanged file never reaches the lanes
        staged = self._staged(name, version)
        self.library.close()
        child = PROCESSES.Process(target=slow_add, args=(str(self.root), str(staged)))
        child.start()
        try:
            self._wait_for_lane_work(child)
            os.kill(child.pid, signal.SIGKILL)
            child.join(timeout=30)
        finally:
            if child.is_alive():
                child.kill()
                child.join()
        self.library = self._open()  # cleans the interrupted add, the copy it staged included

    @rule(name=st.sampled_from(SYNCED), version=st.integers(0, VERSIONS - 1))
    def folder_create_or_modify(self, name: str, version: int) -> None:
        word = word_of(name.rsplit("/", 1)[-1], version) + "s"
        if word in self.files.values():
            return  # two files with one content: a search could rank either first
        self._write(name, word)
        self.files[name] = word

    @precondition(lambda self: self.files)
    @rule(data=st.data())
    def folder_rename(self, data) -> None:
        old = data.draw(st.sampled_from(sorted(self.files)))
        free = [name for name in SYNCED if name not in self.files]
        if not free:
            return
        new = data.draw(st.sampled_from(free))
        (self.folder / new).parent.mkdir(parents=True, exist_ok=True)
        (self.folder / old).rename(self.folder / new)
        self.files[new] = self.files.pop(old)

    @precondition(lambda self: self.files)
    @rule(data=st.data())
    def folder_delete(self, data) -> None:
        name = data.draw(st.sampled_from(sorted(self.files)))
        (self.folder / name).unlink()
        del self.files[name]

    @rule()
    def folder_link_out(self) -> None:
        link = self.folder / LINK
        if not link.is_symlink():
            link.symlink_to(self._source("alpha.pdf", 0))  # a file outside the folder

    @rule()
    def sync(self) -> None:
        report = self.library.sync(self.folder)
        failed = {f.name for f in report.by_status("failed")}
        assert failed <= {LINK}, report
        assert (LINK in failed) == (self.folder / LINK).is_symlink()
        self.synced = dict(self.files)

    @rule(user=st.sampled_from(USERS))
    def chat_start(self, user: str) -> None:
        store = self.library.conversations()
        chat = store.create(owner=user)
        store.record(
            chat.id, f"a question of {user}", Answer(f"an answer for {user}", [], [], True), owner=user
        )
        self.chats[chat.id] = user

    @precondition(lambda self: self.chats)
    @rule(user=st.sampled_from(USERS), data=st.data())
    def chat_delete(self, user: str, data) -> None:
        chat = data.draw(st.sampled_from(sorted(self.chats)))
        deleted = self.library.conversations().delete(chat, owner=user)
        assert deleted == (self.chats[chat] == user)
        if deleted:
            del self.chats[chat]

    def _wait_for_lane_work(self, child, timeout: float = 120) -> None:
        catalog = self.root / "catalog.sqlite"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert child.is_alive(), f"the add ended before it reached the lanes (exit code {child.exitcode})"
            try:
                with sqlite3.connect(f"file:{catalog}?mode=ro", uri=True) as db:
                    if db.execute(
                        "SELECT 1 FROM documents WHERE status = 'pending' AND pages > 0"
                    ).fetchone():
                        return
            except sqlite3.OperationalError:
                pass
            time.sleep(0.05)
        raise AssertionError("the add never reached the lanes")

    # invariants ------------------------------------------------------------------------------------
    @invariant()
    def catalog_matches_the_model(self) -> None:
        docs = {d.name: d for d in self.library.documents()}
        assert sorted(docs) == sorted([*self.model, *self.synced])
        assert all(d.status == "complete" for d in docs.values())

    @invariant()
    def lanes_images_and_uploads_hold_exactly_the_catalog(self) -> None:
        docs = self.library.documents()
        ids = {d.doc_id for d in docs}
        for name in self.library._chroma.collection_names():
            records = self.library._chroma.client.get_collection(self.library._chroma.namespace + name).get()
            assert {m["doc_id"] for m in records["metadatas"]} == ids, f"stale or missing vectors in {name}"
        pages = self.library.layout.pages
        held = {p.name for p in pages.iterdir()} if pages.is_dir() else set()
        assert held == ids, "page images and catalog disagree"
        stored = {str(p.resolve()) for p in self.library.layout.uploads.rglob("*") if p.is_file()}
        uploaded = {str(Path(d.source).resolve()) for d in docs if d.name in self.model}
        assert stored == uploaded, "upload copies and documents disagree"

    @invariant()
    def search_finds_every_complete_document(self) -> None:
        words = {name: word_of(name, version) for name, version in self.model.items()}
        for name, word in {**words, **self.synced}.items():
            hits = self.library.search(word, k=1)
            assert [h.doc for h in hits] == [name]

    @invariant()
    def no_user_sees_another_users_chats(self) -> None:
        store = self.library.conversations()
        session = AppSession(library=self.library, settings=self.library.settings.replace(auth=AUTH))
        handlers = Handlers(session)
        try:
            for user in USERS:
                own = {chat for chat, owner in self.chats.items() if owner == user}
                assert {c.id for c in store.list(owner=user)} == own
                assert {c[1] for c in handlers.conversation("", username=user).choices} == own
                for chat, owner in self.chats.items():
                    opened = handlers.conversation(chat, username=user)
                    assert (opened.id == chat) == (owner == user)
                    assert all(user in m["content"] for m in opened.chat)
            assert {c[1] for c in handlers.conversation("", username="boss").choices} == set(self.chats)
        finally:
            session.close()

    def teardown(self) -> None:
        self.library.close()
        import shutil

        shutil.rmtree(self.tmp, ignore_errors=True)
