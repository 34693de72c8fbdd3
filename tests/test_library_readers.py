"""Readers never wait for writers: searches run during an add (same process, another thread) and from a
second process while a writer process adds; both answer from the last complete state and see a new
document once it is complete. Writers stay one at a time, with a message that names the writer.

Real PDFs cut from the dev set, the real text lane, a Chroma word lane slowed down so that an add is
caught half-way, real subprocesses, and a real `chroma run` server for the shared-vectors case.
"""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path

import pytest
import word_lane
from library_helpers import pdf_parts
from test_chroma_server import chroma_server  # noqa: F401 - the fixture

from pagelens import Library, Settings
from pagelens.errors import LibraryLockedError

WRITER_SCRIPT = """
import os, sys, time, word_lane
from pathlib import Path
word_lane.register()
from pagelens import Library, Settings
library, first, second, done = sys.argv[1:5]
with Library(library, lanes=["text", "words"], settings=Settings.from_env()) as lib:
    print("added", lib.add([first]).files[0].status, flush=True)
    os.environ[word_lane.INDEX_DELAY_ENV] = "1.5"  # the second document stays pending for a while
    print("added", lib.add([second]).files[0].status, flush=True)
    while not Path(done).exists():  # keep the write lock until the test has looked
        time.sleep(0.05)
"""


@pytest.fixture(autouse=True)
def _words_lane():
    word_lane.register()


@pytest.fixture
def two_docs(tmp_path, dev_docs) -> list[Path]:
    """a.pdf (R intro, 3 pages) and b.pdf (gnuplot, 6 pages): different topics, so a search for b's
    text finds b's pages only once b is complete."""
    return pdf_parts(dev_docs / "r-intro.pdf", tmp_path, {"a.pdf": range(10, 13)}) + pdf_parts(
        dev_docs / "gnuplot-expressions.pdf", tmp_path, {"b.pdf": range(6, 12)}
    )


B_QUERY = "gnuplot lambertw function argument"


def wait_until(condition, what: str, timeout_s: float = 240) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.05)


def status_of(lib: Library, name: str) -> str | None:
    return next((d.status for d in lib.documents() if d.name == name), None)


@pytest.mark.slow
def test_search_and_ask_answer_while_an_add_runs_in_another_thread(tmp_path, two_docs, monkeypatch):
    a, b = two_docs
    with Library(tmp_path / "lib", lanes=["text", "words"], settings=Settings.from_env({})) as lib:
        assert lib.add([a]).ok
        monkeypatch.setenv(word_lane.INDEX_DELAY_ENV, "1.5")  # b: 6 pages x 1.5 s in the word lane
        reports = []
        adding = threading.Thread(target=lambda: reports.append(lib.add([b])))
        adding.start()
        wait_until(lambda: status_of(lib, "b.pdf") == "pending", "b.pdf is being added")
        during = lib.search(B_QUERY, k=5)
        assert adding.is_alive(), "the search should have answered while the add still runs"
        assert during and {h.doc for h in during} == {"a.pdf"}  # the last complete state: no pending page
        asked = lib.ask(B_QUERY)  # the answerer's corpus statistics skip the pending document
        assert adding.is_alive() and {c.doc for c in asked.citations} <= {"a.pdf"}
        adding.join(timeout=300)
        assert reports and reports[0].ok
        assert lib.search(B_QUERY, k=1)[0].doc == "b.pdf"


@pytest.mark.slow
def test_a_second_process_searches_while_a_writer_process_adds(tmp_path, two_docs, python, subprocess_env):
    a, b = two_docs
    library, done = tmp_path / "lib", tmp_path / "done"
    writer = subprocess.Popen(
        [python, "-c", WRITER_SCRIPT, str(library), str(a), str(b), str(done)],
        env=subprocess_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout.readline().split() == ["added", "added"], writer.stderr.read()
        with Library(library, settings=Settings.from_env({})) as reader:
            assert reader.read_only
            assert reader.lanes == ["text", "words"]
            wait_until(lambda: status_of(reader, "b.pdf") == "pending", "the writer is adding b.pdf")
            during = reader.search(B_QUERY, k=5)
            assert during and {h.doc for h in during} == {"a.pdf"}
            # embedded Chroma is one process's: the reader ranks with the lexical index alone
            assert all(set(h.lanes) == {"text"} for h in during)
            with pytest.raises(LibraryLockedError, match=f"pid {writer.pid}.*one writer at a time"):
                reader.add([b])
            with pytest.raises(LibraryLockedError, match=f"pid {writer.pid}"):
                reader.remove("a.pdf")
            with pytest.raises(ValueError, match="PAGELENS_CHROMA_URL"):
                reader.search(B_QUERY, k=5, lanes=["words"])
            assert writer.stdout.readline().split() == ["added", "added"], writer.stderr.read()
            after = reader.search(B_QUERY, k=3)
            assert after[0].doc == "b.pdf"  # the reader sees the document once it is complete
            assert {d.name: d.status for d in reader.documents()} == {
                "a.pdf": "complete",
                "b.pdf": "complete",
            }
        done.touch()
        assert writer.wait(timeout=120) == 0, writer.stderr.read()
    finally:
        if writer.poll() is None:
            writer.kill()
    with Library(library, settings=Settings.from_env({})) as again:  # the writer is gone: this one writes
        assert not again.read_only
        assert again.remove("a.pdf")


@pytest.mark.slow
def test_with_a_chroma_server_a_reader_process_uses_every_lane(
    tmp_path,
    two_docs,
    python,
    subprocess_env,
    chroma_server,  # noqa: F811 - the fixture imported above
):
    url, _ = chroma_server
    a, b = two_docs
    library, done = tmp_path / "lib", tmp_path / "done"
    env = {**subprocess_env, "PAGELENS_CHROMA_URL": url}
    writer = subprocess.Popen(
        [python, "-c", WRITER_SCRIPT, str(library), str(a), str(b), str(done)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout.readline().split() == ["added", "added"], writer.stderr.read()
        with Library(library, settings=Settings.from_env({}, chroma_url=url)) as reader:
            assert reader.read_only
            wait_until(lambda: status_of(reader, "b.pdf") == "pending", "the writer is adding b.pdf")
            during = reader.search(B_QUERY, k=5)
            assert during and {h.doc for h in during} == {"a.pdf"}
            assert writer.stdout.readline().split() == ["added", "added"], writer.stderr.read()
            after = reader.search(B_QUERY, k=3)
            assert after[0].doc == "b.pdf" and set(after[0].lanes) == {"text", "words"}
        done.touch()
        assert writer.wait(timeout=120) == 0, writer.stderr.read()
    finally:
        if writer.poll() is None:
            writer.kill()
