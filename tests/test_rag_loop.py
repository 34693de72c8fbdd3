"""The answer loop with the offline extractive answerer on a real Library over real dev documents."""

from __future__ import annotations

import pytest
from rag_support import build_library, dev_query

from pagelens import Answer, Settings, Step
from pagelens.rag.agent import ask, iter_ask


@pytest.fixture(scope="module")
def library(tmp_path_factory, dev_docs):
    lib = build_library(tmp_path_factory.mktemp("lib"), dev_docs)
    yield lib
    lib.close()


SETTINGS = Settings()


def cited(answer: Answer) -> set[tuple[str, int]]:
    return {(c.doc, c.page) for c in answer.citations}


@pytest.mark.parametrize("qid", ["d021", "d035", "d043", "d044"])
def test_a_known_question_is_answered_citing_its_gold_page(library, dev_dir, qid):
    query = dev_query(dev_dir, qid)
    answer = library.ask(query["query"])
    gold = {(g["doc"], g["page"]) for g in query["gold"]}
    assert answer.answerable, answer.text
    assert cited(answer) & gold, (answer.text, cited(answer))
    assert any(c.label in answer.text for c in answer.citations)
    assert all(c.quote and c.image_path for c in answer.citations)


@pytest.mark.parametrize("qid", ["d066", "d067"])
def test_an_unanswerable_question_gets_a_plain_no_and_no_citations(library, dev_dir, qid):
    answer = library.ask(dev_query(dev_dir, qid)["query"])
    assert not answer.answerable and answer.citations == []
    assert "does not answer" in answer.text


def test_steps_stream_before_the_answer(library):
    items = list(
        iter_ask(
            library,
            "Which gnuplot string function returns the index of the first character of a substring?",
            settings=SETTINGS,
        )
    )
    assert isinstance(items[-1], Answer) and all(isinstance(i, Step) for i in items[:-1])
    kinds = [i.kind for i in items[:-1]]
    assert kinds[0] == "search" and "judge" in kinds and kinds[-1] == "answer"
    assert items[-1].steps == items[:-1]
    assert ("gnuplot-expressions.pdf", 8) in cited(items[-1])


def test_next_page_follow_up_cites_the_page_after(library, dev_dir):
    first_q = dev_query(dev_dir, "d044")["query"]  # pp-partitions and graph colourings, gold p.16
    first = library.ask(first_q)
    assert ("beamer-conference-talk.pdf", 16) in cited(first)
    history = [{"role": "user", "content": first_q}, {"role": "assistant", "content": first.text}]
    follow = library.ask("and on the next page?", history=history)
    assert follow.steps[0].kind == "rewrite"
    assert follow.answerable and follow.citations[0].page == first.citations[0].page + 1
    assert follow.citations[0].doc == "beamer-conference-talk.pdf"


def test_pronoun_follow_up_keeps_the_topic(library):
    first_q = "Which gnuplot string function returns the index of the first character of a substring?"
    first = library.ask(first_q)
    history = [{"role": "user", "content": first_q}, {"role": "assistant", "content": first.text}]
    follow = library.ask("what arguments does it take?", history=history)
    rewrite_step = follow.steps[0]
    assert rewrite_step.kind == "rewrite" and "substring" in rewrite_step.title
    assert follow.answerable and follow.citations[0].doc == "gnuplot-expressions.pdf"


def test_a_follow_up_leads_with_what_it_asks_not_with_the_page_cited_last(library):
    """The follow-up stays near p.10 (cited for '**'), but its lead is the passage that says what is asked."""
    first_q = "Which operator does exponentiation in gnuplot?"
    first = library.ask(first_q)
    history = [{"role": "user", "content": first_q}, {"role": "assistant", "content": first.text}]
    follow = library.ask("and what is its precedence?", history=history)
    lead = follow.text.split("[")[0]
    assert "precedence" in lead.lower(), follow.text
    assert (
        follow.citations[0].doc == "gnuplot-expressions.pdf"
        and "precedence" in follow.citations[0].quote.lower()
    )


def test_a_two_part_question_is_decomposed_and_both_parts_cited(library):
    answer = library.ask(
        "How do I reset both seeds of gnuplot's rand() generator, and what does lambertw(x) compute?"
    )
    assert any(s.kind == "decompose" for s in answer.steps)
    assert {("gnuplot-expressions.pdf", 9), ("gnuplot-expressions.pdf", 7)} <= cited(answer)


def test_missing_evidence_triggers_bounded_extra_searches(library):
    answer = ask(
        library,
        "What is the default listening port of the Rserve server?",
        settings=SETTINGS.replace(agent_max_steps=3),
    )
    searches = [s for s in answer.steps if s.kind == "search"]
    assert 2 <= len(searches) <= 3
    assert not answer.answerable


def test_an_empty_question_is_answered_with_a_message(library):
    answer = library.ask("   ")
    assert not answer.answerable and answer.steps[0].kind == "error"


def test_a_missing_vlm_gives_an_error_step_naming_the_model_and_an_extractive_answer(library, tmp_path):
    settings = SETTINGS.replace(llm_backend="transformers", vlm_model=str(tmp_path / "no-such-model"))
    answer = ask(library, "How do I reset both seeds of gnuplot's rand() generator?", settings=settings)
    errors = [s for s in answer.steps if s.kind == "error"]
    assert errors and "no-such-model" in errors[0].detail
    assert answer.answerable and ("gnuplot-expressions.pdf", 9) in cited(answer)


def test_a_spent_time_budget_stops_the_extra_searches(library):
    answer = ask(
        library,
        "What is the default listening port of the Rserve server?",
        settings=SETTINGS.replace(agent_time_budget_s=0.0, agent_max_steps=5),
    )
    assert len([s for s in answer.steps if s.kind == "search"]) == 1
    assert not answer.answerable
