"""Sync touches only its own folder's documents (issue 24): never the library's uploads when the library lies
inside the synced folder, never a same-named document added from elsewhere; links out of the folder are
refused by sync and add alike; a file overwritten while it is read is not recorded under the old hash.

Real libraries, real sync runs (`Library.sync` and `pagelens sync` in a subprocess), real files and links.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from test_sync import WORDS_CLI, outcomes, write

from pagelens.config import Settings
from pagelens.ingest.batch import FileRendered, ingest_files
from pagelens.library import Library
from pagelens.ui.uploads import stage_uploads


@pytest.fixture(autouse=True)
def _words_lane():
    import word_lane

    word_lane.register()


def open_words(root: Path, **settings) -> Library:
    return Library(root, lanes=["words"], settings=Settings.from_env({}, ocr="off", **settings))


def test_sync_of_the_folder_holding_the_library_keeps_its_uploads(tmp_path, python, subprocess_env):
    """High 2: `pagelens sync .` with the default ./pagelens-library removed the app's upload copies."""
    work = tmp_path / "work"
    write(work / "notes.md", "# Notes\n\nOtters hold hands while they sleep.\n")
    dropped = write(tmp_path / "browser" / "walrus.md", "# Walrus\n\nWalruses haul out on ice floes.\n")
    library = work / "pagelens-library"  # the default library folder, inside the synced folder
    with open_words(library) as lib:
        staged = stage_uploads([dropped], library, 2**30)  # what the app does with a dropped file
        assert lib.add(staged.files).files[0].status == "added"
    run = subprocess.run(
        [python, "-c", WORDS_CLI, "sync", ".", "--lanes", "words", "--json"],
        cwd=work,
        env=subprocess_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    statuses = {f["name"]: f["status"] for f in json.loads(run.stdout)["files"]}
    assert statuses == {"notes.md": "added"}, statuses
    with open_words(library) as lib:
        assert {d.name for d in lib.documents()} == {"walrus.md", "notes.md"}
        assert lib.search("walruses ice floes", k=1)[0].doc == "walrus.md"
        assert all(Path(d.source).is_file() for d in lib.documents())  # the upload copy is still there
        assert outcomes(lib.sync(work)) == {"notes.md": "unchanged"}


def test_a_same_named_document_from_elsewhere_is_kept(tmp_path):
    """Medium 4: `add other/a.md`, then `sync F` with another F/a.md 'updated' a.md: the original was gone."""
    elsewhere = write(tmp_path / "other" / "a.md", "# Aardwolf\n\nAardwolves eat termites.\n")
    folder = tmp_path / "F"
    write(folder / "a.md", "# Axolotl\n\nAxolotls regrow their limbs.\n")
    with open_words(tmp_path / "lib") as lib:
        assert lib.add(elsewhere).files[0].status == "added"
        report = lib.sync(folder)
        assert outcomes(report) == {"a (2).md": "added"}
        assert "a different document named a.md" in report.files[0].reason
        docs = {d.name: d for d in lib.documents()}
        assert docs["a.md"].source == str(elsewhere.resolve())
        assert docs["a (2).md"].source == str((folder / "a.md").resolve())
        assert lib.search("aardwolves termites", k=1)[0].doc == "a.md"
        assert outcomes(lib.sync(folder)) == {"a (2).md": "unchanged"}  # tracked by its path from now on

        write(folder / "a.md", "# Axolotl\n\nAxolotls live in Mexican lakes.\n")
        assert outcomes(lib.sync(folder)) == {"a (2).md": "updated"}
        assert "Mexican" in lib.pages("a (2).md")[0].text and "termites" in lib.pages("a.md")[0].text
        (folder / "a.md").unlink()
        assert outcomes(lib.sync(folder)) == {"a (2).md": "removed"}
        assert [d.name for d in lib.documents()] == ["a.md"]


def test_links_out_of_the_folder_are_refused_unless_the_operator_allows_them(tmp_path):
    """Medium 5: `passwd.md -> /outside/secret.md` in a synced folder became searchable."""
    secret = write(tmp_path / "outside" / "secret.md", "# Secret\n\nThe vault code is 7391.\n")
    folder = tmp_path / "F"
    write(folder / "inside.md", "# Inside\n\nPelicans scoop fish.\n")
    (folder / "passwd.md").symlink_to(secret)
    (folder / "alias.md").symlink_to(folder / "inside.md")  # a link that stays inside is a file like any
    with open_words(tmp_path / "lib") as lib:
        report = lib.sync(folder)
        assert outcomes(report) == {"alias.md": "added", "inside.md": "added", "passwd.md": "failed"}
        refusal = next(f for f in report.files if f.name == "passwd.md").reason
        assert "outside the folder" in refusal and "PAGELENS_FOLLOW_LINKS" in refusal
        assert str(secret) not in refusal
        added = lib.add(folder).files
        assert {f.name: f.status for f in added}["passwd.md"] == "failed"
        assert all(d.source != str(secret.resolve()) for d in lib.documents())
        assert "7391" not in " ".join(h.text for h in lib.search("vault code", k=5))
    with open_words(tmp_path / "lib", follow_links=True) as lib:
        assert outcomes(lib.sync(folder))["passwd.md"] == "added"
        assert outcomes(lib.sync(folder))["passwd.md"] == "unchanged"


def test_a_file_overwritten_while_it_is_read_is_not_recorded_with_the_old_hash(tmp_path):
    """Low 6: a file overwritten during sync was indexed as a mix and reported 'added' with the old hash."""
    folder = tmp_path / "F"
    target = write(folder / "log.md", "# Log\n\nVersion one of the log.\n")

    def overwriting_runner(tasks, settings):  # the real renderer; the file changes once it has been read
        for event in ingest_files(tasks, settings):
            if isinstance(event, FileRendered):
                write(target, "# Log\n\nVersion two, rewritten while the first was read.\n")
            yield event

    with open_words(tmp_path / "lib") as lib:
        report = lib.add(folder, runner=overwriting_runner)
        assert [(f.name, f.status) for f in report.files] == [("log.md", "busy")]
        assert "changed while it was read" in report.files[0].reason
        assert lib.documents() == []
        assert outcomes(lib.sync(folder)) == {"log.md": "added"}
        assert "Version two" in lib.pages("log.md")[0].text
        assert outcomes(lib.sync(folder)) == {"log.md": "unchanged"}
