"""Retrieval and answering gates on the evaluation set shipped in tests/eval_set (the packaged sample corpus),
so a clone without ../shared still measures quality through the real pipeline (ingest, lanes, agent, eval).

Measured when written: nDCG@5 0.938, R@5 1.0; 11 of 14 answers correct, 2 of 3 unanswerable abstained on,
4 of 5 conversation turns correct. The floors sit a little below, leaving room for harmless changes in ties.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pagelens import Library
from pagelens.assets import SAMPLE_DIR, sample_documents
from pagelens.config import Settings
from pagelens.eval.ask_eval import run_ask_eval
from pagelens.eval.dataset import load_eval_set
from pagelens.eval.run import format_report, run_eval

SET_DIR = Path(__file__).resolve().parent / "eval_set"
MIN_NDCG5, MIN_RECALL5 = 0.85, 0.9
MIN_ANSWER_CORRECT, MIN_ABSTAINED, MIN_TURNS_CORRECT = 0.6, 2, 3


@pytest.fixture(scope="module")
def eval_set(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("eval_set")
    (root / "docs").mkdir()
    for document in sample_documents(SAMPLE_DIR):
        shutil.copy(document, root / "docs" / document.name)
    for name in ("queries.jsonl", "answers.jsonl", "conversations.jsonl"):
        shutil.copy(SET_DIR / name, root / name)
    return root


@pytest.fixture(scope="module")
def library_dir(eval_set: Path, tmp_path_factory) -> tuple[Path, Settings]:
    folder = tmp_path_factory.mktemp("library")
    settings = Settings.from_env(library=folder, lanes=["text"], layout=False)
    report = run_eval(eval_set, settings=settings, library_dir=folder)
    print(format_report(report))
    assert not report.failed_documents and not report.unresolved
    assert report.scored + report.unanswerable == len(load_eval_set(eval_set).queries)
    assert report.overall["ndcg@5"] >= MIN_NDCG5 and report.overall["recall@5"] >= MIN_RECALL5
    return folder, settings


@pytest.mark.slow
def test_retrieval_on_the_shipped_set(library_dir):
    """The gate itself runs in the fixture (so the answering test below reuses the library)."""
    folder, _ = library_dir
    assert (folder / "catalog.sqlite").is_file()


@pytest.mark.slow
def test_answers_abstention_and_turns_on_the_shipped_set(eval_set, library_dir):
    folder, settings = library_dir
    with Library(folder, settings=settings) as lib:
        report = run_ask_eval(eval_set, library=lib)
    print(report.summary())
    assert report.answer_correct >= MIN_ANSWER_CORRECT
    assert report.abstained >= MIN_ABSTAINED
    assert report.turns == 5 and report.turns_correct >= MIN_TURNS_CORRECT
