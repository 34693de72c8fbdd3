"""The library under attack and under pressure: a same-named file never silently replaces a document, a
full disk is the file's "disk full" outcome (not its fault) and leaves the library openable, a read-only
library can be listed, `--json` reports errors, and outcomes never show server paths.

The full disk is real: a small tmpfs mounted for the test (skipped where mounting is not permitted).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pymupdf
import pytest
import word_lane

from pagelens import Library, Settings

WORDS_CLI = "import sys, word_lane; word_lane.register(); from pagelens.cli import main; sys.exit(main())"


@pytest.fixture(autouse=True)
def _words_lane():
    word_lane.register()


def text_pdf(path: Path, *lines: str, pages: int = 1) -> Path:
    with pymupdf.open() as doc:
        for n in range(pages):
            page = doc.new_page()
            for i, line in enumerate(lines):
                page.insert_text((72, 72 + 20 * i), f"{line} (page {n + 1})", fontsize=12)
        doc.save(path)
    return path


def open_library(root: Path) -> Library:
    return Library(root, lanes=["words"], settings=Settings.from_env({}, ocr="off"))


def test_a_different_file_under_a_trusted_name_needs_replace(tmp_path: Path):
    """Finding 2: uploading a different file under an existing name silently replaced it ("updated")."""
    trusted = text_pdf(tmp_path / "policy.pdf", "Refunds are paid within 14 days.")
    forged_dir = tmp_path / "forged"
    forged_dir.mkdir()
    forged = text_pdf(forged_dir / "policy.pdf", "Refunds are never paid.")
    with open_library(tmp_path / "lib") as lib:
        assert lib.add(trusted).files[0].status == "added"
        [outcome] = lib.add(forged).files
        assert (outcome.status, outcome.name) == ("added", "policy (2).pdf")
        assert "policy.pdf" in outcome.reason and "replace=True" in outcome.reason
        assert [d.name for d in lib.documents()] == ["policy (2).pdf", "policy.pdf"]
        assert "14 days" in lib.pages("policy.pdf")[0].text
        assert lib.add(forged).files[0].status == "unchanged"  # the same bytes again: nothing new
        [outcome] = lib.add(forged, replace=True).files
        assert (outcome.status, outcome.name) == ("updated", "policy.pdf")
        assert "never paid" in lib.pages("policy.pdf")[0].text


def test_upload_copies_go_with_their_document(tmp_path: Path):
    """Finding 4: a failed upload stayed in <library>/uploads, and so did a removed document's copy."""
    from pagelens.ui.uploads import stage_uploads

    root = tmp_path / "lib"
    dropped = tmp_path / "browser"
    dropped.mkdir()
    good = text_pdf(dropped / "good.pdf", "A good page.")
    bad = dropped / "bad.pdf"
    bad.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40)
    mine = text_pdf(tmp_path / "mine.pdf", "My own file, not an upload.")
    with open_library(root) as lib:
        staged = stage_uploads([good, bad], root, 2**30).files
        assert [f.status for f in lib.add([*staged, mine]).files] == ["added", "failed", "added"]
        assert [p.name for p in (root / "uploads").rglob("*") if p.is_file()] == ["good.pdf"]
        newer = text_pdf(dropped / "newer", "A newer good page.")
        [copy] = stage_uploads([newer], root, 2**30).files
        renamed = copy.with_name("good.pdf")
        copy.rename(renamed)
        assert lib.add(renamed, replace=True).files[0].status == "updated"
        assert [p for p in (root / "uploads").rglob("*") if p.is_file()] == [renamed]
        assert lib.remove("good.pdf") and lib.remove("mine.pdf")
        assert [p for p in (root / "uploads").rglob("*") if p.is_file()] == []
        assert mine.is_file()  # files outside the uploads folder are never deleted


def test_outcomes_never_show_server_paths(tmp_path: Path):
    folder = tmp_path / "srv" / "private-folder"
    folder.mkdir(parents=True)
    broken = folder / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40)
    truncated = folder / "cut.pdf"
    truncated.write_bytes(text_pdf(tmp_path / "whole.pdf", "Something", pages=3).read_bytes()[:300])
    with open_library(tmp_path / "lib") as lib:
        report = lib.add([broken, truncated])
    assert [f.status for f in report.files] == ["failed", "failed"]
    for outcome in report.files:
        assert "private-folder" not in outcome.reason and str(tmp_path) not in outcome.reason, outcome.reason


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.decode().strip()}): no real full disk to test")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path, leave_bytes: int) -> Path:
    """A file taking all but about `leave_bytes` of the disk's free space."""
    import os

    stat = os.statvfs(disk)
    filler = disk / "filler"
    with filler.open("wb") as handle:
        handle.truncate(0)
        remaining = stat.f_bavail * stat.f_frsize - leave_bytes
        chunk = b"\0" * 2**20
        while remaining > 0:
            try:
                remaining -= handle.write(chunk[: min(len(chunk), remaining)])
            except OSError:
                break
    return filler


@pytest.mark.slow
def test_a_full_disk_is_a_disk_full_outcome_and_the_library_still_opens(small_disk: Path, tmp_path: Path):
    """Finding 5: a full disk blamed the file, an sqlite error escaped add(), later files were never tried,
    earlier outcomes were lost, and the library could not be opened until space was freed."""
    first = text_pdf(tmp_path / "first.pdf", "The harbour budget is 42 million.")
    later = [
        text_pdf(tmp_path / f"later{n}.pdf", f"Later document {n} about lighthouses.", pages=8)
        for n in range(3)
    ]
    root = small_disk / "lib"
    with open_library(root) as lib:
        assert lib.add(first).files[0].status == "added"
        filler = fill(small_disk, 64 * 1024)
        report = lib.add(later)
        assert [f.name for f in report.files] == ["later0.pdf", "later1.pdf", "later2.pdf"]
        assert all(f.status == "failed" and f.reason.startswith("disk full") for f in report.files), report
        assert not any("damaged" in f.reason for f in report.files)
        assert [d.name for d in lib.documents()] == ["first.pdf"]
    with open_library(root) as reopened:  # still full
        assert [d.name for d in reopened.documents()] == ["first.pdf"]
        assert reopened.search("harbour budget", k=1)[0].doc == "first.pdf"
        filler.unlink()
        assert [f.status for f in reopened.add(later).files] == ["added"] * 3
        assert reopened.search("lighthouses", k=3)


@pytest.mark.slow
def test_a_read_only_library_can_be_listed(small_disk: Path, tmp_path: Path, python, subprocess_env):
    root = small_disk / "lib"
    with open_library(root) as lib:
        lib.add(text_pdf(tmp_path / "kept.pdf", "Kept on a read-only disk."))
    view = tmp_path / "read-only-view"  # the same library through a read-only bind mount
    view.mkdir()
    subprocess.run(["mount", "--bind", str(root), str(view)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(view)], check=True)
        with pytest.raises(OSError):
            (view / "probe").write_text("x")
        listed = subprocess.run(
            [python, "-c", WORDS_CLI, "list", "--json", "--library", str(view)],
            env=subprocess_env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        subprocess.run(["umount", "-l", str(view)], check=False)
    assert listed.returncode == 0, listed.stderr
    assert [d["name"] for d in json.loads(listed.stdout)] == ["kept.pdf"]


def test_json_output_reports_the_in_use_error(tmp_path: Path, python, subprocess_env):
    """Finding 9: `--json` printed nothing on the "in use" error. A second process may read a library that
    another one writes (`list` works), so the error now comes from a write."""
    root = tmp_path / "lib"
    new = text_pdf(tmp_path / "new.pdf", "A new document.")
    with open_library(root):
        busy = subprocess.run(
            [python, "-c", WORDS_CLI, "add", str(new), "--json", "--library", str(root)],
            env=subprocess_env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        listed = subprocess.run(
            [python, "-c", WORDS_CLI, "list", "--json", "--library", str(root)],
            env=subprocess_env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert listed.returncode == 0 and json.loads(listed.stdout) == [], listed.stderr
    assert busy.returncode == 1
    error = json.loads(busy.stdout)
    assert "being written by another process" in error["error"] and error["kind"] == "LibraryLockedError"
