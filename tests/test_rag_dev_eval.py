"""The answer evaluation on ../shared/eval/dev with the default (offline extractive) answerer."""

from __future__ import annotations

import pytest

from pagelens import Library
from pagelens.config import Settings
from pagelens.eval.ask_eval import run_ask_eval


@pytest.mark.slow
def test_dev_set_answers_cite_gold_pages_and_abstain_on_unanswerable(dev_dir, tmp_path):
    settings = Settings.from_env(library=tmp_path / "library", lanes=["text"], llm_backend="extractive")
    with Library(tmp_path / "library", settings=settings) as library:
        library.add(sorted((dev_dir / "docs").iterdir()), progress=False)
        report = run_ask_eval(dev_dir, library=library)
    print(report.summary())
    assert report.answerable == 64 and report.unanswerable == 23
    assert report.answered >= 0.9 * 64
    assert report.citation_hit_rate >= 0.8
