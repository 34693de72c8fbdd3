"""A Hypothesis state machine over `Library` (the way Chroma tests itself): random sequences of add, update,
remove, reopen in a new process and kill -9 mid-add, checked after every step against a plain model.

Invariants: the catalog holds exactly the model's documents; every lane's vectors, the image store and the
uploads folder hold exactly the catalog's documents (no stale vectors, pages or copies); a search for a
document's own word finds that document. Files arrive as the app brings them (copies staged in
`<library>/uploads/`), so upload hygiene is checked too.

Used by tests/test_library_state.py (a bounded run in CI) and bench/bench_library_state.py (a longer run).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pymupdf
import word_lane
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from pagelens import Library, Settings
from pagelens.ui.uploads import stage_uploads

TESTS_DIR = Path(__file__).resolve().parent
NAMES = ("alpha.pdf", "beta.pdf", "gamma.pdf")
VERSIONS = 3
REOPEN_SCRIPT = """
import json, sys, word_lane
word_lane.register()
from pagelens import Library
with Library(sys.argv[1], lanes=["words"]) as lib:
    docs = {d.name: d.content_hash for d in lib.documents()}
    found = {name: [h.doc for h in lib.search(word, k=1)] for name, word in json.loads(sys.argv[2]).items()}
print(json.dumps({"docs": docs, "found": found}))
"""
ADD_SCRIPT = """
import sys, word_lane
word_lane.register()
from pagelens import Library
with Library(sys.argv[1], lanes=["words"]) as lib:
    lib.add(sys.argv[2], replace=True)
"""


def word_of(name: str, version: int) -> str:
    """A token only this (name, version) holds, so a search for it must find exactly that document."""
    return f"{name.split('.')[0]}token{version}"


def child_env() -> dict[str, str]:
    path = os.pathsep.join(filter(None, [str(TESTS_DIR), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path, "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}


class LibraryMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        word_lane.register()
        self.tmp = Path(tempfile.mkdtemp(prefix="pagelens-machine-"))
        self.root = self.tmp / "lib"
        self.sources = self.tmp / "sources"
        self.sources.mkdir()
        self.model: dict[str, int] = {}  # document name -> version held
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
        words = {name: word_of(name, version) for name, version in self.model.items()}
        done = subprocess.run(
            [sys.executable, "-c", REOPEN_SCRIPT, str(self.root), json.dumps(words)],
            env=child_env(),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        seen = json.loads(done.stdout.strip().splitlines()[-1])
        assert sorted(seen["docs"]) == sorted(self.model)
        assert all(found[:1] == [name] for name, found in seen["found"].items()), seen["found"]
        self.library = self._open()

    @rule(name=st.sampled_from(NAMES), version=st.integers(0, VERSIONS - 1))
    def kill_9_mid_add(self, name: str, version: int) -> None:
        """An add killed while its pages go into the lanes leaves nothing behind once the library reopens."""
        if self.model.get(name) == version:
            return  # an unchanged file never reaches the lanes
        staged = self._staged(name, version)
        self.library.close()
        env = {**child_env(), word_lane.INDEX_DELAY_ENV: "2"}
        child = subprocess.Popen(
            [sys.executable, "-c", ADD_SCRIPT, str(self.root), str(staged)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            self._wait_for_lane_work(child)
            os.kill(child.pid, signal.SIGKILL)
            child.wait(timeout=30)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        self.library = self._open()
        if name not in self.model:  # the copy an interrupted first add left behind is the app's to retry
            staged.unlink(missing_ok=True)
            if not any(staged.parent.iterdir()):
                staged.parent.rmdir()

    def _wait_for_lane_work(self, child: subprocess.Popen, timeout: float = 120) -> None:
        catalog = self.root / "catalog.sqlite"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert child.poll() is None, child.stderr.read().decode()[-2000:] if child.stderr else "add ended"
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
        assert sorted(docs) == sorted(self.model)
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
        assert stored == {str(Path(d.source).resolve()) for d in docs}, "upload copies and documents disagree"

    @invariant()
    def search_finds_every_complete_document(self) -> None:
        for name, version in self.model.items():
            hits = self.library.search(word_of(name, version), k=1)
            assert [h.doc for h in hits] == [name]

    def teardown(self) -> None:
        self.library.close()
        import shutil

        shutil.rmtree(self.tmp, ignore_errors=True)
