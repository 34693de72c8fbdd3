"""How the answer loop ranks the pages its searches find, on a real Library over a PDF generated with PyMuPDF:
a search for the words a page lacked ("whatever platform") is a search for a share of the question, so its
hits rank behind the question's own (agent._search), and the page that answers what is asked leads."""

from __future__ import annotations

import pytest
from rag_support import titled_pages_library

from pagelens.rag.agent import _search
from pagelens.rag.evidence import EvidencePool

PAGES = [
    ("Opening a plotting window", "The command win.new() opens a new plotting window on every system."),
    ("Closing a plotting window", "The command win.off() closes the current plotting window."),
    ("Saving a plotting window", "win.save() writes the content of a plotting window to a PNG file."),
    ("Several plotting windows", "Several plotting windows can be open; win.list() lists them."),
    (
        "Platform notes",
        "Whatever platform you install on, a single installer file is provided; on every platform the "
        "installer asks whatever questions it needs once.",
    ),
]
QUESTION = "Which single command opens a new plotting window, whatever platform I am on?"


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    with titled_pages_library(tmp_path_factory.mktemp("ranks"), "plotting.pdf", PAGES) as lib:
        yield lib


def ranks(pool: EvidencePool) -> dict[int, int]:
    return {p.page: p.rank for p in pool.pages()}


def test_a_search_for_a_share_of_the_question_ranks_its_hits_behind_the_questions_own(library):
    pool = EvidencePool()
    _search(library, "whatever platform single", 10, pool, lambda *a: None, share=0.25)
    assert ranks(pool)[5] == 4  # its first hit counts as the fourth of a search for the whole question
    _search(library, QUESTION, 10, pool, lambda *a: None)
    assert ranks(pool)[1] == 1  # the question's own first hit
    _search(library, "whatever platform single", 10, pool, lambda *a: None, share=0.25)
    assert ranks(pool)[1] == 1 and ranks(pool)[5] <= 4  # a page keeps its best rank


def test_the_page_that_answers_what_is_asked_leads_not_the_one_with_its_incidental_words(library):
    answer = library.ask(QUESTION)
    assert answer.answerable and answer.citations[0].page == 1, answer.text
    assert "win.new()" in answer.text.split("\n")[0]


def test_each_part_of_a_question_is_ranked_by_its_own_searches(library):
    pool = EvidencePool()
    _search(library, "Which command closes a plotting window", 10, pool, lambda *a: None, part=0)
    _search(library, "whatever platform single installer", 10, pool, lambda *a: None, part=1)
    first, second = ({p.page: p.rank for p in pool.pages(n)} for n in (0, 1))
    assert first[2] == 1 and second[5] == 1  # each part's own first hit
    assert first[5] > 1 and second[2] != 1  # not the other part's
    assert ranks(pool)[2] == 1 and ranks(pool)[5] == 1  # overall, each page keeps its best rank
