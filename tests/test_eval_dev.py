"""The real evaluation on ../shared/eval/dev: ingest through the pipeline, search, score.

Fails when the default lane's nDCG@5 drops below the plain-BM25 baseline measured when the project
started (0.772), or below plain bm25s scored on the same page texts in the same run.
Layout analysis is switched off to keep the run short: it changes regions, not page text.
"""

from __future__ import annotations

import pytest

from pagelens.config import Settings
from pagelens.eval.dataset import load_eval_set
from pagelens.eval.run import format_report, run_eval

BASELINE_NDCG5 = 0.772
# measured 2026-12-01 with the looks fields and negation markers (overall 0.899, figure 0.857, multihop 1.0,
# slide 0.935), minus a small margin
OVERALL_NDCG5 = 0.88
FIGURE_NDCG5 = 0.84
MULTIHOP_NDCG5 = 0.95
SLIDE_NDCG5 = 0.90  # 0.935 with negation markers (lanes/text/negation.py); 0.874 without
# dev2 (documents never used in building; a check, never tuned on): 0.682 against plain bm25s' 0.746 while a
# query's compound word counted as each of its parts too, 0.783 counted once, 0.826 with query translation
# (0.773 without the FreeDict dictionaries that scripts/setup.sh installs); gates a small margin below
DEV2_NDCG5 = 0.80
DEV2_OVER_BM25S = 0.05


@pytest.mark.slow
def test_dev_set_retrieval_beats_the_bm25_baseline(dev_dir, tmp_path):
    settings = Settings.from_env(library=tmp_path / "library", lanes=["text"], layout=False)
    report = run_eval(dev_dir, settings=settings, library_dir=tmp_path / "library")
    print(format_report(report))
    assert not report.failed_documents, report.failed_documents
    assert report.unanswerable >= 1
    assert report.scored + report.unanswerable == len(load_eval_set(dev_dir).queries)
    assert not report.unresolved, f"gold pages not found for {report.unresolved}"
    assert report.overall["ndcg@5"] >= max(BASELINE_NDCG5, OVERALL_NDCG5)
    assert report.by_type["figure"]["ndcg@5"] >= FIGURE_NDCG5  # colour and figure-kind words (looks fields)
    assert report.by_type["multihop"]["ndcg@5"] >= MULTIHOP_NDCG5  # kind words count less unless "shown"
    assert report.by_type["slide"]["ndcg@5"] >= SLIDE_NDCG5  # "impossible" meets "no ... is possible"
    assert report.overall["ndcg@5"] > report.baseline_overall["ndcg@5"]
    assert 0 < report.overall["recall@1"] <= report.overall["recall@5"] <= report.overall["recall@10"] <= 1


@pytest.mark.slow
def test_dev2_set_retrieval_beats_plain_bm25(dev2_dir, tmp_path):
    settings = Settings.from_env(library=tmp_path / "library", lanes=["text"], layout=False)
    report = run_eval(dev2_dir, settings=settings, library_dir=tmp_path / "library")
    print(format_report(report))
    assert not report.failed_documents, report.failed_documents
    assert not report.unresolved, f"gold pages not found for {report.unresolved}"
    assert report.overall["ndcg@5"] >= DEV2_NDCG5, "are the FreeDict dictionaries installed (setup.sh)?"
    assert report.overall["ndcg@5"] >= report.baseline_overall["ndcg@5"] + DEV2_OVER_BM25S
