"""Folder sync: `Library.sync(folder)` and `pagelens sync FOLDER [--watch]` (a real subprocess) on real files
created, changed, renamed and deleted in a temporary folder; a PDF copied in slowly is ingested whole."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from pagelens.config import Settings
from pagelens.errors import FolderNotFoundError
from pagelens.library import Library

GNUPLOT = "gnuplot-expressions.pdf"
WORDS_CLI = "import sys, word_lane; word_lane.register(); from pagelens.cli import main; sys.exit(main())"


def write(path: Path, text: str, *, age_s: float = 60.0) -> Path:
    """Write a Markdown file whose modification time lies `age_s` in the past (a settled file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    stamp = time.time() - age_s
    os.utime(path, (stamp, stamp))
    return path


def outcomes(report) -> dict[str, tuple]:
    return {f.name: (f.status, f.previous) if f.status == "renamed" else f.status for f in report.files}


@pytest.fixture
def words_library(tmp_path):
    import word_lane

    word_lane.register()
    with Library(tmp_path / "lib", lanes=["words"], settings=Settings.from_env(ocr="off")) as lib:
        yield lib


def test_sync_adds_updates_follows_renames_and_removes_only_its_own_documents(words_library, tmp_path):
    lib = words_library
    folder = tmp_path / "notes"
    write(folder / "aardvark.md", "# Aardvark\n\nAardvarks eat termites at night.\n")
    write(folder / "badger.txt", "Badgers dig setts in woodland.\n")
    write(folder / "sub" / "cheetah.md", "# Cheetah\n\nCheetahs sprint on the savanna.\n")
    elsewhere = write(tmp_path / "other" / "dingo.md", "# Dingo\n\nDingoes roam the outback.\n")
    assert lib.add(elsewhere).ok

    first = lib.sync(folder)
    assert outcomes(first) == {"aardvark.md": "added", "badger.txt": "added", "sub/cheetah.md": "added"}
    docs = {d.name: d for d in lib.documents()}
    assert docs["badger.txt"].source == str((folder / "badger.txt").resolve())
    assert len(docs["badger.txt"].content_hash) == 64
    assert set(outcomes(lib.sync(folder)).values()) == {"unchanged"}

    write(folder / "aardvark.md", "# Aardvark\n\nAardvarks sleep in burrows by day.\n")
    (folder / "badger.txt").rename(folder / "brock.txt")
    (folder / "sub" / "cheetah.md").unlink()
    second = lib.sync(folder)
    assert outcomes(second) == {
        "aardvark.md": "updated",
        "brock.txt": ("renamed", "badger.txt"),
        "sub/cheetah.md": "removed",
    }
    after = {d.name: d for d in lib.documents()}
    assert set(after) == {"aardvark.md", "brock.txt", "dingo.md"}  # dingo.md came from elsewhere: kept
    assert after["brock.txt"].doc_id == docs["badger.txt"].doc_id  # not ingested again
    assert after["brock.txt"].source == str((folder / "brock.txt").resolve())
    assert lib.search("badgers dig setts", k=1)[0].doc == "brock.txt"
    assert lib.search("aardvarks burrows", k=1)[0].doc == "aardvark.md"
    assert "termites" not in " ".join(page.text for page in lib.pages("aardvark.md"))
    assert set(outcomes(lib.sync(folder)).values()) == {"unchanged"}

    # a copy under the name the document had before its rename (its doc id was derived from that name)
    shutil.copy(folder / "brock.txt", folder / "badger.txt")
    third = outcomes(lib.sync(folder))
    assert third["badger.txt"] == "added" and third["brock.txt"] == "unchanged"
    assert lib.search("badgers dig setts", k=2, docs=["badger.txt"])[0].doc == "badger.txt"
    (folder / "brock.txt").unlink()
    assert outcomes(lib.sync(folder))["brock.txt"] == "removed"
    assert lib.search("badgers dig setts", k=1)[0].doc == "badger.txt"


def test_identical_files_are_tracked_one_by_one(words_library, tmp_path):
    folder = tmp_path / "twins"
    for name in ("one.md", "two.md", "three.md"):
        write(folder / name, "# Twin\n\nThe same words in every copy.\n")
    assert set(outcomes(words_library.sync(folder)).values()) == {"added"}
    (folder / "one.md").rename(folder / "uno.md")
    (folder / "two.md").unlink()
    (folder / "three.md").unlink()
    after = outcomes(words_library.sync(folder))
    assert after["uno.md"][0] == "renamed" and after["two.md"] == after["three.md"] == "removed"
    assert [d.name for d in words_library.documents()] == ["uno.md"]


def test_a_file_still_being_written_is_left_for_later(words_library, tmp_path):
    folder = tmp_path / "inbox"
    write(folder / "fresh.md", "# Fresh\n\nJust written.\n", age_s=0)
    busy = words_library.sync(folder, settle_s=30)
    assert outcomes(busy) == {"fresh.md": "busy"} and words_library.documents() == []
    assert outcomes(words_library.sync(folder)) == {"fresh.md": "added"}


def test_sync_needs_a_folder(words_library, tmp_path):
    with pytest.raises(FolderNotFoundError, match="no such folder"):
        words_library.sync(tmp_path / "missing")


@pytest.fixture
def cli(tmp_path, python, subprocess_env):
    library = tmp_path / "lib"

    def command(*args: str) -> list[str]:
        return [python, "-c", WORDS_CLI, *args, "--library", str(library), "--lanes", "words"]

    return command


def test_sync_command_reports_per_file(cli, tmp_path, subprocess_env):
    folder = tmp_path / "docs"
    write(folder / "emu.md", "# Emu\n\nEmus cannot fly.\n")
    write(folder / "ferret.md", "# Ferret\n\nFerrets are curious.\n")

    def run() -> subprocess.CompletedProcess:
        return subprocess.run(
            cli("sync", str(folder)), env=subprocess_env, capture_output=True, text=True, timeout=300
        )

    first = run()
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == ["added      emu.md (1 pages)", "added      ferret.md (1 pages)"]
    (folder / "ferret.md").rename(folder / "polecat.md")
    (folder / "emu.md").unlink()
    second = run()
    assert second.returncode == 0, second.stderr
    assert second.stdout.splitlines() == [
        "renamed    polecat.md (from ferret.md)",
        "removed    emu.md (1 pages)",
    ]
    assert "1 renamed, 1 removed" in second.stderr


class Lines:
    """A child's stdout read line by line on a thread, so the test can wait for a line with a timeout."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.seen: list[str] = []
        self._queue: queue.Queue[str] = queue.Queue()
        threading.Thread(
            target=lambda: [self._queue.put(line.rstrip("\n")) for line in process.stdout], daemon=True
        ).start()

    def wait_for(self, predicate, timeout_s: float = 180) -> str:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                line = self._queue.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no matching line within {timeout_s} s; saw {self.seen}") from None
            self.seen.append(line)
            if predicate(line):
                return line


@pytest.mark.slow
def test_watch_follows_changes_and_never_ingests_a_half_written_pdf(cli, tmp_path, subprocess_env, dev_docs):
    folder = tmp_path / "watched"
    write(folder / "gecko.md", "# Gecko\n\nGeckos climb glass.\n")
    errors = tmp_path / "stderr.txt"
    with open(errors, "w") as stderr:
        child = subprocess.Popen(
            cli("sync", str(folder), "--watch", "--settle", "1.5"),
            env=subprocess_env,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    lines = Lines(child)
    try:
        lines.wait_for(lambda line: line == "added      gecko.md (1 pages)")
        write(folder / "heron.md", "# Heron\n\nHerons stand in shallow water.\n", age_s=0)
        lines.wait_for(lambda line: line == "added      heron.md (1 pages)")

        data = (dev_docs / GNUPLOT).read_bytes()
        with open(folder / "manual.pdf", "wb") as out:  # a slow copy: five chunks, 0.5 s apart
            for start in range(0, len(data), len(data) // 5 + 1):
                out.write(data[start : start + len(data) // 5 + 1])
                out.flush()
                time.sleep(0.5)
        lines.wait_for(lambda line: "manual.pdf" in line)
        (folder / "heron.md").rename(folder / "egret.md")
        lines.wait_for(lambda line: line == "renamed    egret.md (from heron.md)")
        (folder / "gecko.md").unlink()
        lines.wait_for(lambda line: line == "removed    gecko.md (1 pages)")
    finally:
        child.send_signal(signal.SIGTERM)
        code = child.wait(timeout=60)
    assert code == 0, errors.read_text()
    manual = [line for line in lines.seen if "manual.pdf" in line]
    assert manual == ["added      manual.pdf (12 pages)"], (manual, errors.read_text())
    assert "failed" not in errors.read_text() and "stopped watching" in errors.read_text()
