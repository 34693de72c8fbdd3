"""Negation markers (lanes/text/negation.py): a negator's words and a query's negative-prefixed antonyms meet
as `not_<stem>` terms, proven on the analyser and on generated pages in a real text lane."""

from __future__ import annotations

import pytest

from pagelens.config import Settings
from pagelens.index.chroma import ChromaHandle
from pagelens.index.lane import LaneContext, Query
from pagelens.lanes.text.lane import create_lane
from pagelens.lanes.text.negation import negation_markers
from pagelens.types import Page


def test_a_negator_marks_the_next_content_words_of_its_clause_only():
    assert negation_markers("No perfect colouring is possible. The odd cycle is the cause.") == [
        "not_perfect",
        "not_colour",
        "not_possibl",
    ]
    assert negation_markers("This is not supported by the driver, said the manual") == [
        "not_support",
        "not_driver",
    ]  # the clause ends at the comma
    assert negation_markers("A perfect colouring is possible; call not_found() on error") == []


def test_a_query_word_with_a_negative_prefix_is_marked_only_when_the_rest_is_its_antonym():
    assert negation_markers("why is it impossible, unavailable or invalid?", query=True) == [
        "not_possibl",
        "not_avail",
        "not_valid",
    ]
    # prefixes that are part of the word: the rest is no whole word, or means something else
    assert negation_markers("introduction information interval install index distribution", query=True) == []
    assert negation_markers("impossible") == [], "a page's prefixed words are indexed as they are"


@pytest.fixture
def lane(tmp_path):
    chroma = ChromaHandle.open(folder=tmp_path / "chroma")
    lane = create_lane("text", LaneContext(Settings(), chroma.scoped(), tmp_path / "lane"))
    yield lane
    lane.close()


def page(number: int, text: str) -> Page:
    return Page(
        doc_id="graphs",
        doc="graphs.pdf",
        page=number,
        image_path="",
        width=1,
        height=1,
        text=text,
        text_source="layer",
    )


def test_impossible_finds_the_page_that_says_no_perfect_colouring_is_possible(lane):
    negative = page(
        1,
        "Odd cycles. No perfect colouring is possible when the graph has an odd cycle. "
        "This is caused by the odd cycle itself.",
    )
    positive = page(
        2, "Colouring real graphs. A perfect colouring of a real graph is possible when it is bipartite."
    )
    others = [
        page(3 + n, f"Chapter {n}: {topic}.")
        for n, topic in enumerate(
            [
                "shortest paths with Dijkstra's algorithm and a binary heap",
                "minimum spanning trees by Kruskal",
                "network flows and the max-flow min-cut theorem",
                "planar graphs and Euler's formula",
                "matchings in bipartite graphs by augmenting paths",
                "random graphs and their giant component",
            ]
        )
    ]
    lane.index([negative, positive, *others])

    def first(text: str) -> str:
        return lane.search(Query(text=text), k=2)[0].key

    assert first("Why is a perfect colouring of a graph impossible?") == negative.key
    assert first("Why is a perfect colouring of a graph possible?") == positive.key  # polarity kept
