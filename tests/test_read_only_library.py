"""A library on a read-only file system (issue 24, Medium 3): searching, asking and listing work; adding,
removing and syncing say why not, as JSON under `--json`. Before, every command (and `Library()`) died on
`OSError: [Errno 30] ... .lock` with a traceback.

The real CLI in subprocesses, the real text lane, and a real read-only view of the library: a read-only
bind mount as root (where chmod would not stop a write), else the library's folders made unwritable.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pagelens import Library, Settings
from pagelens.errors import ReadOnlyLibraryError

CLI = "import sys; from pagelens.cli import main; sys.exit(main())"


@pytest.fixture
def read_only_view(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """(library, the same library seen read-only) holding otters.md, added through the text lane."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "otters.md").write_text(
        "# Otters\n\nSea otters hold hands while they sleep so they do not drift.\n"
    )
    root = tmp_path / "lib"
    with Library(root, lanes=["text"], settings=Settings.from_env({}, ocr="off")) as lib:
        assert lib.add(docs / "otters.md").ok
    if os.geteuid() == 0:
        view = tmp_path / "read-only-view"
        view.mkdir()
        mounted = subprocess.run(["mount", "--bind", str(root), str(view)], capture_output=True)
        if mounted.returncode != 0:
            pytest.skip(f"root cannot bind-mount here ({mounted.stderr.decode().strip()})")
        try:
            subprocess.run(["mount", "-o", "remount,bind,ro", str(view)], check=True)
            yield docs, view
        finally:
            subprocess.run(["umount", "-l", str(view)], check=False)
    else:
        folders = [root, *(p for p in root.rglob("*") if p.is_dir())]
        for folder in folders:
            folder.chmod(0o555)
        try:
            yield docs, root
        finally:
            for folder in folders:
                folder.chmod(0o755)


def pagelens(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", CLI, *args], env=env, capture_output=True, text=True, timeout=300
    )


def test_a_read_only_library_reads_and_says_why_it_cannot_be_written(read_only_view, offline_env):
    docs, view = read_only_view
    with pytest.raises(OSError):
        (view / "probe").write_text("x")
    where = ["--library", str(view)]

    hits = pagelens("search", "otters sleep", "--json", *where, env=offline_env)
    assert hits.returncode == 0, hits.stderr
    assert json.loads(hits.stdout)[0]["doc"] == "otters.md"
    answer = pagelens("ask", "Why do sea otters hold hands?", "--json", *where, env=offline_env)
    assert answer.returncode == 0, answer.stderr
    assert json.loads(answer.stdout)["citations"][0]["doc"] == "otters.md"
    listed = pagelens("list", "--json", *where, env=offline_env)
    assert [d["name"] for d in json.loads(listed.stdout)] == ["otters.md"]

    for command in (["add", str(docs)], ["remove", "otters.md"], ["sync", str(docs)]):
        refused = pagelens(*command, "--json", *where, env=offline_env)
        assert refused.returncode == 1, (command, refused.stderr)
        error = json.loads(refused.stdout)
        assert error["kind"] == "ReadOnlyLibraryError", error
        assert "cannot be written" in error["error"] and "searching and asking work" in error["error"]
        assert "Traceback" not in refused.stderr and "Errno" not in refused.stderr

    with Library(view, settings=Settings.from_env({})) as lib:  # the API opens it too
        assert lib.read_only and [d.name for d in lib.documents()] == ["otters.md"]
        with pytest.raises(ReadOnlyLibraryError, match="cannot be written"):
            lib.add(docs / "otters.md")
