"""The analysed question (rag/question.py): parts, place, focus and the answer type asked, read once."""

from __future__ import annotations

import pytest

from pagelens.analysis import CorpusStats
from pagelens.rag.lexical import question_terms
from pagelens.rag.question import analyse, answer_type
from pagelens.rag.rewrite import rewrite

STATS = CorpusStats.from_texts(
    [
        "The pid file holds the process identifier.",
        "Run files live under /run and are named after the program.",
        "The encoder maps sentences to vectors.",
    ]
)


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("How many pages does the manual have?", "number"),
        ("What is the maximum length of a line?", "number"),
        ("When was the format introduced?", "time"),
        ("In what year were the incomes collected?", "time"),
        ("In which version did the format change?", "version"),
        ("Since which dpkg release is the option supported?", "version"),
        ("Which release notes mention the format?", "name"),  # a noun after "release": no version asked
        ("Where do PID files go?", "place"),
        ("Why isn't it exactly 50 Hz?", "reason"),
        ("How do I compute the net present value of a series of cash flows?", "procedure"),
        ("How to close a bug report?", "procedure"),
        ("Should I bump the epoch?", "yes_no"),
        ("Can a package depend on itself?", "yes_no"),
        ("What is an epoch?", "definition"),
        ("What does LD50 mean?", "definition"),
        ("What are the kinds of dependencies?", "list"),
        ("Which option turns off the tests?", "name"),
        ("What function reads a fixed-width file?", "name"),
        ("Who maintains orphaned packages?", "name"),
        ("And why does it fail?", "reason"),
        ("In the SNP talk, which method won?", "name"),
        ("When I'm done with the plot, how do I close the window?", "procedure"),  # the main clause asks
        ("If the socket is missing, where does the daemon look?", "place"),
        ("When the daemon starts, is the socket created?", "yes_no"),
        ("When the daemon starts, where does it write?", "place"),
        ("When does the daemon start, and why?", "time"),
    ],
)
def test_the_answer_type_comes_from_the_interrogative(question, asked):
    assert answer_type(question) == asked


def test_a_two_part_question_is_analysed_once_into_parts_with_their_own_types():
    text = "Where do PID files go, and how are they named?"
    question = analyse(text, rewrite(text, []), STATS)
    assert [p.asks for p in question.parts] == ["place", "procedure"]
    assert question.asks == "place" and not question.follow_up
    assert "pid" in question.focus


def test_the_place_a_part_names_is_kept_apart_from_what_it_asks():
    text = "What does the encoder map in the manual's encoder section?"
    question = analyse(text, rewrite(text, []), STATS)
    part = question.parts[0]
    assert part.place.rstrip("?").endswith("section") and "section" not in part.asked
    assert part.terms.weights["section"] < part.terms.weights["map"]  # the place weighs as context


def test_a_follow_up_carries_the_topic_and_points_at_pages():
    history = [
        {"role": "user", "content": "Where do PID files go?"},
        {"role": "assistant", "content": "Under /run [fhs.pdf p.21]."},
    ]
    question = analyse("and on the next page?", rewrite("and on the next page?", history), STATS)
    assert question.follow_up and question.context
    assert [(a.doc, a.page) for a in question.turn.anchor_pages] == [("fhs.pdf", 22)]
    assert question.parts[0].asks_page is False
    assert (
        analyse("Which page shows the pid file?", rewrite("Which page shows the pid file?", []), STATS)
        .parts[0]
        .asks_page
    )


def test_a_one_letter_option_weighs_where_a_page_writes_it_and_is_no_gap_where_none_does():
    """`-k` is a term (analysis.letter_option); gzip's page writes it, so it weighs as the question's rarest
    word. No page writes `%M` apart (a format string glues it: "%Mmax"), so it weighs nothing and is not
    a name the library lacks: a question about it is not abstained on for that alone."""
    stats = CorpusStats.from_texts(
        [
            "-k --keep Keep (don't delete) input files during compression. gzip reduces the size of files.",
            "The format string %Uuser %Mmax)k prints the resources.",
            "Other page about gzip and files and the format string.",
        ]
    )
    kept = analyse("What does gzip -k do?", rewrite("What does gzip -k do?", []), stats).parts[0].terms
    assert kept.weights["-k"] > kept.weights["gzip"] and kept.code == ("-k",)
    specifier = "What does %M mean in the format string?"
    glued = analyse(specifier, rewrite(specifier, []), stats).parts[0].terms
    assert "%M" not in glued.weights and glued.code == ("%M",) and glued.unknown == []
    assert "format" in glued.weights


def test_since_asks_for_a_time_and_is_no_term_of_the_question():
    """ "Since which version ...?" asks for a release: "since" is no word the page must hold (a page that
    writes "supported since 1.1" is found by "supported" and answers by its number)."""
    assert question_terms("Since which APT version is the deb822 format supported?") == [
        "apt",
        "version",
        "deb822",
        "format",
        "support",
    ]


def test_a_message_names_the_words_a_follow_up_carries_as_the_reader_wrote_them():
    """A word that analyses into several stems ("Node.js": node.j, node, js) is named as written, and where
    none of the turn's own words is among the stems a message names, the words it carries from earlier
    turns are (not their stems)."""
    history = [
        {"role": "user", "content": "How do I join path segments in Node.js?"},
        {"role": "assistant", "content": "path.join() joins the segments."},
    ]
    part = analyse("And on Windows?", rewrite("And on Windows?", history), STATS).parts[0]
    assert part.shown(["node.j", "node", "js"]) == ["Node.js"]
    assert part.shown(["window", "node.j"]) == ["Windows"]  # the turn's own words first
    alone = analyse("Is Node.js fast?", rewrite("Is Node.js fast?", []), STATS).parts[0]
    assert alone.words_for(["node", "js"]) == ["Node.js"]
