"""Answering gates: a self-made set (tests/answer_set.py) that runs in any clone, and the dev set
(../shared/eval/dev, skipped when absent) with the offline extractive answerer.

The dev gates hold what the answerer measured when they were set (answers 46/64 correct, 20/23 abstentions
with 63/64 answered, conversation turns 43/56 with switch 8/8 and unanswerable 4/5, with the judge's
answer-type checks and their factors chosen with the threshold), minus a small margin: they catch
regressions. The issue's targets (0.70 correct; 15/23 abstentions while answering 58/64; turns 0.75,
follow-ups 0.7, switch 7/8, unanswerable turns 4/5) are all met on dev at the time of writing.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from answer_set import DOC, HEADER, QUERIES, UNANSWERABLE, write_answer_set

from pagelens import Library, Settings
from pagelens.eval.ask_eval import (
    AskResult,
    calibrate,
    cross_validate,
    operating_point,
    run_ask_eval,
    separation,
    signal_counts,
)
from pagelens.furniture import Furniture


@pytest.fixture(scope="module")
def answer_set(tmp_path_factory):
    root = write_answer_set(tmp_path_factory.mktemp("answer-set"))
    folder = tmp_path_factory.mktemp("library")
    library = Library(
        folder, settings=Settings.from_env(library=folder, lanes=["text"], llm_backend="extractive")
    )
    assert library.add(root / "docs" / DOC, progress=False).ok
    yield root, library
    library.close()


def test_self_made_set_answers_abstains_and_follows_conversations(answer_set):
    root, library = answer_set
    report = run_ask_eval(root, library=library)
    print(report.summary())
    assert report.answerable == len(QUERIES) and report.unanswerable == len(UNANSWERABLE)
    assert report.correct >= 4
    assert report.abstained >= 2
    assert report.turns == 7 and report.turns_correct >= 6
    assert (
        report.turns_by_kind["switch"]["correct"] == 1
        and report.turns_by_kind["unanswerable"]["correct"] == 1
    )
    texts = [r.text for r in report.results] + [t.text for t in report.turn_results]
    assert not any(HEADER in text for text in texts)  # page furniture is never quoted
    given = [r for r in report.results if r.answerable_gold and r.gold_in_top]
    assert report.given_page == len(given) >= 4
    assert report.given_page_correct == sum(r.correct for r in given)
    wrong = sorted(r.qid for r in report.results if r.answerable_gold and not r.correct)
    assert sorted(q for qids in report.failures.values() for q in qids) == wrong
    assert "answer right given the right page among the top 3 hits" in report.summary()


def test_a_wrong_answer_is_put_in_the_first_failure_category_that_holds():
    def wrong(**changes) -> AskResult:
        return replace(_result("a", True, 0.5, correct=False), **changes)

    assert _result("a", True, 0.5).failure == "" and _result("u", False, 0.5).failure == ""
    assert wrong(answered=False, hit=False, gold_in_top=True).failure == "abstained"
    assert wrong(hit=True, gold_in_top=False).failure == "fact_missing"  # cited, a fact lacking
    assert wrong(hit=False, gold_in_top=True).failure == "other_page_cited"
    assert wrong(hit=False, gold_in_top=False).failure == "page_not_in_top"


def test_running_header_and_page_numbers_are_furniture(answer_set):
    _, library = answer_set
    pages = library.pages(DOC)
    furniture = Furniture.of(pages)
    header = next(r for r in pages[2].regions if r.text.startswith(HEADER))
    footer = next(r for r in pages[2].regions if r.text.startswith("Page "))
    title = next(r for r in pages[2].regions if r.text == "Descaling")
    assert furniture.region_is_furniture(header.text, header.box)
    assert furniture.region_is_furniture(footer.text, footer.box)
    assert not furniture.region_is_furniture(title.text, title.box)


@pytest.mark.parametrize(
    "question, history",
    [
        ("", []),
        ("   \n\t", []),
        ("descale " * 1500, []),  # 12,000 characters
        ("How often should I\x00 descale\x1b[31m the kettle in hard water areas?", []),
        (
            "And what should I use for it?",
            [
                None,
                42,
                {"role": 7},
                {"content": {"x": 1}},
                {"role": "user"},
                {"role": "assistant", "content": [None, {"text": 5}]},
                {"role": "user", "content": "How often should I descale the kettle?"},
            ],
        ),
    ],
)
def test_bad_input_gets_an_answer_or_a_clear_message(answer_set, question, history):
    _, library = answer_set
    answer = library.ask(question, history=history)
    assert answer.text
    if not question.strip():
        assert not answer.answerable and answer.steps[0].kind == "error"
    if len(question) > 10_000:
        assert any(s.kind == "error" and "cut" in s.title for s in answer.steps)


def test_a_follow_up_after_malformed_history_still_resolves(answer_set):
    _, library = answer_set
    history = [
        {"role": "user", "content": "How often should I descale the kettle in hard water areas?"},
        {"role": "tool", "content": "ignored"},
        "garbage",
        {"role": "assistant", "content": "Every four weeks [kettle-handbook.pdf p.3]"},
    ]
    answer = library.ask("And what should I use for it?", history=history)
    assert answer.answerable and "vinegar" in answer.text
    assert answer.steps[0].kind == "rewrite"


def _result(qid: str, answerable: bool, confidence: float, gaps=(), correct=True) -> AskResult:
    return AskResult(
        qid=qid,
        type="text" if answerable else "unanswerable",
        answerable_gold=answerable,
        answered=True,
        cited=[("d.pdf", 1)],
        gold=[("d.pdf", 1)] if answerable else [],
        hit=answerable,
        correct=answerable and correct,
        confidence=confidence,
        seconds=0.0,
        text="an answer",
        gaps=list(gaps),
    )


def test_calibration_chooses_factors_and_threshold_and_cross_validation_holds_them_out():
    # answers without gaps at 0.4-0.75; near misses with an answer-kind gap (factor 0.5 applied) among them
    # at 0.42-0.70, so no threshold separates them and only a smaller factor does
    results = [_result(f"a{i}", True, 0.4 + 0.05 * (i % 8)) for i in range(24)]
    results += [_result(f"u{i}", False, 0.42 + 0.04 * i, gaps=[("answer", 0.5)]) for i in range(8)]
    chosen = calibrate(results, grid=(0.2, 0.5, 1.0))
    assert chosen.factors["answer"] == 0.2 and chosen.score == 24 + 8 and chosen.answered == 24
    assert chosen.threshold <= 0.4 and results[-1].confidence_with(chosen.factors) < chosen.threshold
    held = cross_validate(results, grid=(0.2, 0.5, 1.0))
    assert held["correct"] == 24 and held["abstained"] == 8 and held["factor_answer_mean"] == 0.2
    assert held["threshold_only_abstained"] < 8  # with the factor as applied (0.5) a threshold alone cannot


def test_the_report_says_how_well_the_confidence_separates_and_which_gaps_fire_where():
    # ten answers at 0.3-0.75, two near misses at 0.5 and 0.05 (a semantic gap on one of each)
    results = [_result(f"a{i}", True, 0.3 + 0.05 * i) for i in range(10)]
    results[0].gaps = [("semantic", 0.7)]
    results += [_result("u0", False, 0.5), _result("u1", False, 0.05, gaps=[("semantic", 0.7)])]
    assert separation(results) == pytest.approx((5.5 + 10) / 20)  # 5 beat 0.5 and one ties; all beat 0.05
    assert separation(results[:10]) == 0.0  # nothing to separate from
    point = operating_point(results)  # answering 9 of 10 at least: u1 only, and 0.3 keeps every answer
    assert (point.threshold, point.answered, point.abstained) == (0.3, 10, 1)
    assert operating_point(results, share=0.5).abstained == 2  # at 0.55 both near misses
    assert signal_counts(results) == {"semantic": {"answerable": 1, "unanswerable": 1}}


def fresh_ask_report(eval_dir, tmp_path):
    """`run_ask_eval` on a fresh text-lane library of the set's documents, extractive answerer (printed)."""
    settings = Settings.from_env(library=tmp_path / "library", lanes=["text"], llm_backend="extractive")
    with Library(tmp_path / "library", settings=settings) as library:
        library.add(sorted((eval_dir / "docs").iterdir()), progress=False)
        report = run_ask_eval(eval_dir, library=library)
    print(report.summary())
    return report


@pytest.mark.slow
def test_dev_set_answer_correctness_abstention_and_conversations(dev_dir, tmp_path):
    report = fresh_ask_report(dev_dir, tmp_path)
    assert report.answerable == 64 and report.unanswerable == 23 and report.turns == 56
    assert report.correct >= 53  # 55 on main 91aa2af, less a margin of two
    # answered: 62 of 64 on 85bf336 (unmet_ask abstains on d001 and d034, both answered wrongly before);
    # abstained: 20 of 23 on 85bf336, less two
    assert report.answered >= 62 and report.abstained >= 18
    assert report.turns_correct >= 48 and report.turns_by_kind["switch"]["correct"] >= 7  # 50 on 85bf336
    assert report.turns_by_kind["unanswerable"]["correct"] >= 3


@pytest.mark.slow
def test_dev2_set_answers_hold_on_documents_never_tuned_on(dev2_dir, tmp_path):
    """dev2 is a check, never tuned on: the gate sits near the numbers reached on main 91aa2af (text lane,
    extractive: 31/46 correct, 43/46 answered, 9/12 abstained, 13/23 turns), one below each (the 0.9
    answered that issue 18 asks for is 42)."""
    report = fresh_ask_report(dev2_dir, tmp_path)
    assert report.answerable == 46 and report.unanswerable == 12 and report.turns == 23
    assert report.correct >= 30 and report.answered >= 42 and report.turns_correct >= 12
    assert report.abstained >= 8
