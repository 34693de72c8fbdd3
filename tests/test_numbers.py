"""The documentation's measured tables are rendered from docs/numbers/*.json (scripts/doc_numbers.py), never
typed by hand: every marked table is exactly what its files render, and a hand edit is caught."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def numbers():
    spec = importlib.util.spec_from_file_location("numbers_script", REPO / "scripts" / "doc_numbers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def marked(numbers) -> dict[str, list[str]]:
    """page -> the tables marked in it."""
    found: dict[str, list[str]] = {}
    for path in numbers.pages():
        for match in numbers.MARKED.finditer(path.read_text(encoding="utf-8")):
            found.setdefault(str(path.relative_to(REPO)), []).append(match.group(2))
    return found


def test_every_marked_table_is_what_its_files_render(numbers):
    tables = marked(numbers)
    assert {name for names in tables.values() for name in names} == set(numbers.TABLES)  # each one is shown
    assert numbers.stale() == []
    checked = subprocess.run(
        [sys.executable, "scripts/doc_numbers.py", "--check"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checked.returncode == 0, checked.stderr


def test_a_hand_edited_number_is_caught_and_rendering_puts_it_back(numbers):
    page = (REPO / "docs" / "evaluation.md").read_text(encoding="utf-8")
    block = next(m for m in numbers.MARKED.finditer(page) if m.group(2) == "eval").group(0)
    results = numbers.load("eval-dev")["results"]
    shown = f"{results['overall']['ndcg@5']:.3f}"
    assert shown in block
    edited = block.replace(shown, "0.999", 1)
    assert numbers.rendered(edited) != edited  # what --check reports
    assert numbers.rendered(edited) == block


def test_every_file_has_the_command_that_writes_it_and_says_where_it_was_measured(numbers):
    files = {path.stem for path in numbers.NUMBERS.glob("*.json")}
    assert files and files <= set(numbers.MEASUREMENTS)  # a file not yet measured: its tables say so
    for name in files:
        record = numbers.load(name)
        assert record["name"] == name and record["commit"] and record["date"]
        assert {"cpus", "load_before", "load_after", "wall_s", "cpu_s"} <= set(record["machine"])
