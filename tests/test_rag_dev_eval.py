"""The answer evaluation on ../shared/eval/dev with the default (offline extractive) answerer: the issue's
targets are citation hit rate >= 0.8 on answered answerable queries, abstention on >= 2 of the 3
unanswerable queries, while answering >= 90% of the answerable ones."""

from __future__ import annotations

import pytest

from pagelens.config import Settings
from pagelens.eval.ask_eval import run_ask_eval


@pytest.mark.slow
def test_dev_set_answers_cite_gold_pages_and_abstain_on_unanswerable(dev_dir, tmp_path):
    settings = Settings.from_env(library=tmp_path / "library", lanes=["text"], llm_backend="extractive")
    report = run_ask_eval(dev_dir, settings=settings)
    print(report.summary())
    assert report.answerable == 64 and report.unanswerable == 3
    assert report.answered_fraction >= 0.9
    assert report.citation_hit_rate >= 0.8
    assert report.abstained >= 2
