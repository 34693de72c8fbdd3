"""Metrics against hand-computed values, and the dataset loader on the dev set's format."""

from __future__ import annotations

import json
import math

import pytest

from pagelens.eval.dataset import EvalQuery, GoldRef, load_eval_set, resolve_gold
from pagelens.eval.metrics import ndcg_at_k, recall_at_k, reciprocal_rank


def test_ndcg_single_gold_at_rank_two():
    # DCG = 1/log2(3); ideal DCG = 1/log2(2) = 1
    assert ndcg_at_k(["x", "g", "y"], {"g"}, 5) == pytest.approx(1 / math.log2(3))


def test_ndcg_two_gold_pages_one_found_first():
    # DCG = 1; ideal = 1 + 1/log2(3)
    assert ndcg_at_k(["a", "b", "c"], {"a", "z"}, 5) == pytest.approx(1 / (1 + 1 / math.log2(3)))


def test_ndcg_ignores_hits_below_k_and_repeats():
    assert ndcg_at_k(["a", "b", "c", "d", "e", "g"], {"g"}, 5) == 0.0
    assert ndcg_at_k(["a", "a", "a", "a", "g"], {"g"}, 5) == pytest.approx(1 / math.log2(3))


def test_ndcg_perfect_ranking_is_one():
    assert ndcg_at_k([("d", 1), ("d", 2)], {("d", 2), ("d", 1)}, 5) == pytest.approx(1.0)


def test_recall_and_mrr():
    ranked = ["a", "g1", "b", "c", "d", "g2"]
    assert recall_at_k(ranked, {"g1", "g2"}, 1) == 0.0
    assert recall_at_k(ranked, {"g1", "g2"}, 5) == 0.5
    assert recall_at_k(ranked, {"g1", "g2"}, 10) == 1.0
    assert reciprocal_rank(ranked, {"g1", "g2"}) == 0.5
    assert reciprocal_rank(ranked, {"zz"}) == 0.0


def test_metrics_refuse_empty_gold():
    with pytest.raises(ValueError):
        ndcg_at_k(["a"], set(), 5)
    with pytest.raises(ValueError):
        recall_at_k(["a"], set(), 5)


def test_html_gold_resolves_to_the_page_holding_the_evidence():
    query = EvalQuery(
        "q",
        "?",
        "a",
        (GoldRef("site.html", None), GoldRef("b.pdf", 3)),
        "future value of   an\ninvestment",
        "html",
    )
    texts = {"site.html": ["intro text", "the future value of an\n investment is", "more"]}
    assert resolve_gold(query, texts) == {("site.html", 2), ("b.pdf", 3)}
    texts_broken = {"site.html": ["the future val", "ue of an investment"]}  # never on one page: unresolved
    assert resolve_gold(query, texts_broken) == {("b.pdf", 3)}


def test_loader_reads_records_and_reports_bad_lines(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.pdf").write_bytes(b"%PDF")
    (tmp_path / "docs" / "style.css").write_text("p {}")
    good = {"qid": "d1", "query": "q?", "answer": None, "gold": [], "evidence": None, "type": "unanswerable"}
    (tmp_path / "queries.jsonl").write_text(json.dumps(good) + "\n\n")
    loaded = load_eval_set(tmp_path)
    assert [q.qid for q in loaded.queries] == ["d1"] and not loaded.queries[0].answerable
    assert [p.name for p in loaded.doc_paths()] == ["a.pdf"]
    (tmp_path / "queries.jsonl").write_text(json.dumps(good) + '\n{"qid": 1}\n')
    with pytest.raises(ValueError, match="queries.jsonl:2"):
        load_eval_set(tmp_path)


def test_dev_set_loads(dev_dir):
    loaded = load_eval_set(dev_dir)
    assert len(loaded.queries) >= 60
    assert sum(not q.answerable for q in loaded.queries) >= 1
    assert all(ref.page is None for q in loaded.queries if q.type == "html" for ref in q.gold)
