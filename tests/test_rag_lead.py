"""Which passage leads an answer and what comes with it, on a real library (text lane, Chroma) over PDFs
generated with PyMuPDF: the sentence that shares most words with the question may lack the kind of answer
asked (a number, a default), and a close candidate of the same page that holds it leads instead
(extractive.py `_lead_first`); a question that names a document gets no supporting quote from another one
(compose.py `chosen`)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pymupdf
import pytest
from rag_support import library_of

from pagelens.rag import extractive
from pagelens.rag.params import PARAMS


def _paragraph(x: int, y: int, text: str) -> list[tuple]:
    """The text set in 10-point lines of up to 90 characters from (x, y) down, 14 points apart."""
    return [(x, y + 14 * n, line, 10) for n, line in enumerate(textwrap.wrap(text, 90))]


# (x, y, text, size[, font]): a settings reference, a setting's key set in bold above its description
LINES = [
    (72, 60, "Journal settings", 16, "hebo"),
    (72, 100, "journald stores the journal on disk and forwards a copy of it to the console.", 10),
    (72, 140, "BurstLimit=", 11, "hebo"),
    *_paragraph(
        84,
        158,
        "Further messages logged by a service within the interval are dropped until the interval is over. "
        "Rate limits apply to each service separately, so that two services which log a lot do not "
        "interfere with each other's limits. The interval can be given in seconds, minutes or hours, and "
        "setting either value to 0 turns the limit off entirely. A message about the number of messages "
        "that were lost is written to the journal once the interval is over, so that the loss can be seen "
        "later. Note that the effective limit is multiplied by a factor derived from the free disk space "
        "of the file system. Defaults to 10000 messages per service in 30s.",
    ),
    (72, 290, "Storage=", 11, "hebo"),
    (84, 308, "Where the journal is kept: on disk, in memory, or nowhere at all.", 10),
]
# a man page: its DIAGNOSTICS paragraph, then the messages it prints, each over its explanation
SQUASH = [
    (72, 60, "SQUASH(1)", 10),
    (72, 90, "DIAGNOSTICS", 11, "hebo"),
    *_paragraph(
        84,
        108,
        "Exit status is normally 0; if an error occurs, exit status is 1. If a warning occurs, it is 2.",
    ),
    (84, 140, "Usage: squash [-cdfhklLnNrtvV19] [-S suffix] [file ...]", 10, "cour"),
    (96, 154, "Invalid options were specified on the command line.", 10),
    (84, 172, "file: not in squash format", 10),
    (96, 186, "The file specified to unsquash has not been compressed.", 10),
    (72, 220, "BUGS", 11, "hebo"),
    (84, 238, "The --best option may compress worse than the default level on small files.", 10),
]
# another tool's manual with an exit status of its own
FINDTEXT = [
    (72, 60, "FINDTEXT(1)", 10),
    (72, 90, "EXIT STATUS", 11, "hebo"),
    *_paragraph(
        84,
        108,
        "The exit status is 0 if a line is selected, 1 if no lines were selected, and 2 if an error "
        "occurred; with the quiet option an error still returns 0 when a line was selected.",
    ),
]
# a specification's two sections: the first ends in a sentence full of the question's words, the second's
# heading and lead-in are what the question asks
SPEC = [
    (72, 60, "Shared type database", 16, "hebo"),
    (72, 100, "2.11. Subclassing", 13, "hebo"),
    *_paragraph(
        72,
        124,
        "A type may be a subclass of another. Note that a file type may be a subclass of an alias: a "
        "vendor file type replaced by an official one keeps its file name patterns.",
    ),
    (72, 180, "2.12. Recommended checking order", 13, "hebo"),
    *_paragraph(
        72,
        204,
        "Applications may use the methods in any order. However, the recommended order of the checks is:",
    ),
    (84, 232, "- If a type is given explicitly, use it instead of guessing.", 10),
    (84, 246, "- Otherwise, match the name against the glob patterns.", 10),
    (84, 260, "- If that fails, sniff the contents with the magic rules.", 10),
]
QUESTION = "With the default settings, how many messages may a service log before journald drops them?"


def _pdf(path: Path, lines: list[tuple] = LINES, *more: list[tuple]) -> Path:
    """A PDF of one page of `lines`, and one more page per list of lines in `more`."""
    doc = pymupdf.open()
    for page_lines in [lines, *more]:
        page = doc.new_page(width=595, height=842)
        for x, y, text, size, *font in page_lines:
            page.insert_text((x, y), text, fontsize=size, fontname=font[0] if font else "helv")
    doc.save(path)
    return path


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lead")
    # the gate open: these tests are about which passage leads, not whether the page suffices
    lib = library_of(
        folder / "library",
        [
            _pdf(folder / "journal.pdf"),
            _pdf(folder / "squash.pdf", SQUASH),
            _pdf(folder / "findtext.pdf", FINDTEXT),
            _pdf(folder / "typespec.pdf", SPEC),
        ],
        answer_min_confidence=0.0,
    )
    yield lib
    lib.close()


def _answer(tmp_path: Path, name: str, pages: list[list[tuple]], question: str):
    """The answer to `question` from a library of one PDF, `name`, of these pages, the gate open."""
    lib = library_of(tmp_path / "library", [_pdf(tmp_path / name, *pages)], answer_min_confidence=0.0)
    try:
        return lib.ask(question)
    finally:
        lib.close()


def _first_cited(answer) -> tuple[str, int]:
    return answer.citations[0].doc, answer.citations[0].page


def test_a_number_asked_for_leads_with_the_candidate_that_states_it(library):
    answer = library.ask(QUESTION)
    lead = answer.text.splitlines()[0]
    assert "10000 messages" in lead, answer.text
    assert lead.startswith("BurstLimit="), answer.text  # under the key it describes


def test_without_the_answer_kind_the_sentence_sharing_most_words_leads(library, monkeypatch):
    """The same question with the answer kind's switch off (no candidate scores enough to take the lead):
    the description's first sentence leads, and the description is too long to show its last."""
    from dataclasses import replace

    monkeypatch.setattr(extractive, "PARAMS", replace(PARAMS, lead_kind_share=10.0))
    lead = library.ask(QUESTION).text.splitlines()[0]
    assert "10000" not in lead and lead.startswith("BurstLimit= — Further messages"), lead


@pytest.mark.parametrize("bonus", [PARAMS.named_doc_bonus, 0.0])
def test_the_document_a_question_names_leads(library, monkeypatch, bonus):
    """The other manual's exit status paragraph shares more of the question's words ("exit status", "error
    occurred"); the question names squash, whose page leads with `named_doc_bonus` (and only with it)."""
    from dataclasses import replace

    from pagelens.rag import agent

    monkeypatch.setattr(agent, "PARAMS", replace(PARAMS, named_doc_bonus=bonus))
    answer = library.ask("Which exit status does squash return when an error occurred?")
    assert (answer.citations[0].doc == "squash.pdf") == bool(bonus), answer.text


def test_a_question_naming_a_document_gets_no_quote_from_another(library):
    answer = library.ask("What is the exit status of squash when an error occurs?")
    assert {c.doc for c in answer.citations} == {"squash.pdf"}, answer.text
    assert "findtext" not in answer.text, answer.text
    # not naming a document, the other manual's exit status may support the answer
    other = library.ask("Which exit status means that an error occurred?")
    assert {c.doc for c in other.citations} == {"findtext.pdf", "squash.pdf"}, other.text


@pytest.mark.parametrize("separate", [True, False])
def test_a_sentence_does_not_borrow_the_next_sections_heading(library, monkeypatch, separate):
    """A candidate's neighbours count with it only under the same heading: the first section's last sentence
    shares the question's file type words, the second section's heading its order and checking; read with
    that heading as its neighbour (`separate` off: the window of the two units around it, as before) the
    first section's sentence leads."""
    if not separate:
        monkeypatch.setattr(
            extractive, "neighbourhood", lambda units, i: list(range(max(0, i - 1), min(len(units), i + 2)))
        )
    lead = library.ask("In what order does the spec recommend checking a file to find its file type?").text
    assert lead.startswith("2.12. Recommended checking order") == separate, lead


def _steps(cut: bool) -> list[list[tuple]]:
    """A procedure whose list runs over a page break, its second item cut mid-sentence at the first page's
    end (`cut`), or the same list broken after a whole item."""
    second = "- Otherwise, match the file name against the name patterns." + (" If after" if cut else "")
    rest = [(84, 60, "this exactly one pattern matches, use its type as the result.", 10)] if cut else []
    return [
        [
            (72, 60, "Identifying a file", 16, "hebo"),
            *_paragraph(
                72,
                100,
                "Applications may use the methods in any order. The recommended order of the probes is:",
            ),
            (84, 128, "- If the sender states a type explicitly, use it instead of guessing.", 10),
            (84, 142, second, 10),
        ],
        [
            *rest,
            (84, 74, "- If no pattern matches, sniff the contents with the magic rules.", 10),
            (84, 88, "- If no magic rule matches either, use application/octet-stream.", 10),
        ],
    ]


@pytest.mark.parametrize("cut", [True, False])
def test_a_lead_cut_by_the_page_break_goes_on_from_the_next_page(tmp_path, cut):
    """The list's second item stops mid-sentence at the page's end: the answer goes on with the next page's
    first lines (the rest of the item and the list's later items) and cites that page too; a list broken
    after a whole item keeps to its page."""
    answer = _answer(tmp_path, "probes.pdf", _steps(cut), "In what order should the probes identify a file?")
    lead = answer.text.splitlines()[0]
    cited = [(c.doc, c.page) for c in answer.citations]
    assert cited[0] == ("probes.pdf", 1), answer.text
    assert ("If after [probes.pdf p.1] this exactly one pattern matches" in lead) == cut, answer.text
    assert ("magic rules" in lead and lead.endswith("[probes.pdf p.2]")) == cut, answer.text
    assert (("probes.pdf", 2) in cited) == cut, answer.text


# a finance reference over two pages: irr's entry names the net present value and cash flows; npv's entry,
# among others on the next page, does not spell its own name out
IRR = [
    (72, 60, "Function: irr (val,IO)", 11, "hebo"),
    *_paragraph(
        84,
        78,
        "IRR (Internal Rate of Return) is the value of rate which makes Net Present Value zero. flowValues "
        "is a list of varying cash flows, I0 is the initial investment.",
    ),
    (72, 130, "Function: benefit_cost (rate,input,output)", 11, "hebo"),
    *_paragraph(
        84,
        148,
        "Calculates the ratio Benefit/Cost. Benefit is the Net Present Value (NPV) of the inputs, and Cost "
        "is the Net Present Value (NPV) of the outputs.",
    ),
]
NPV = [
    (72, 60, "Function: saving (rate,amount,num)", 11, "hebo"),
    *_paragraph(
        84,
        78,
        "The table that represents the values in a constant and periodic saving can be found by saving. "
        "amount represents the desired quantity and num the number of periods to save.",
    ),
    (72, 130, "Function: npv (rate,val)", 11, "hebo"),
    *_paragraph(
        84,
        148,
        "Calculates the present value of a value series to evaluate the viability in a project. val is a "
        "list of varying cash flows.",
    ),
]


def test_the_entry_of_an_abbreviation_leads_over_an_entry_that_spells_the_name_out(tmp_path):
    """Asked how to compute "the net present value", the answer leads with npv's entry (its term is the
    name's abbreviation), on the page that matches the question's words less, not with an entry of the other
    page that mentions the net present value (benefit_cost's, which also writes "NPV", or irr's)."""
    question = "How do I compute the net present value of a series of cash flows?"
    answer = _answer(tmp_path, "finance.pdf", [IRR, NPV], question)
    assert answer.text.startswith("Function: npv (rate,val) — Calculates"), answer.text
    assert _first_cited(answer) == ("finance.pdf", 2), answer.text


# a profiler's manual: a worked example that uses an option on one page, the option's entry on the next
EXAMPLE = [
    (72, 60, "5. The Output Graph", 13, "hebo"),
    *_paragraph(
        72,
        84,
        "For a short-running program like this one, we can use the --time-unit=B option of the profiler to "
        "specify that we want the time unit of the graph to be the number of bytes allocated on the heap, "
        "so that the graph of the program's time shows its allocations.",
    ),
]
OPTIONS = [
    (72, 60, "6. Command-line Options", 13, "hebo"),
    (72, 90, "--depth=<number> [default: 30]", 10, "cour"),
    *_paragraph(96, 106, "Maximum depth of the allocation trees recorded for detailed snapshots."),
    (72, 130, "--time-unit=<i|ms|B> [default: i]", 10, "cour"),
    *_paragraph(
        96,
        146,
        "The unit used for the profiling: instructions executed (i), wallclock milliseconds (ms), or "
        "bytes allocated and freed (B), the most reproducible across machines.",
    ),
]


def test_the_entry_of_the_option_a_question_names_leads_over_another_page_that_uses_it(tmp_path):
    """Asked what an option does, the answer leads with the option's own entry, under its term on the page
    of the options, not with the sentence of a worked example on the page that matches more of the
    question's words ("... use the --time-unit=B option of the profiler to specify ... time unit ...")."""
    answer = _answer(
        tmp_path, "profiler.pdf", [EXAMPLE, OPTIONS], "What does the profiler's --time-unit option do?"
    )
    assert answer.text.startswith("--time-unit=<i|ms|B> [default: i] — The unit used"), answer.text
    assert _first_cited(answer) == ("profiler.pdf", 2), answer.text


# a maintenance manual whose section on the filter goes on over the page break
FILTER = [
    (72, 60, "6. Checks", 13, "hebo"),
    *_paragraph(72, 84, "Check the hoses for cracks once a month, and the seal of the cap once a season."),
    (72, 200, "7. Cleaning the filter", 13, "hebo"),
    *_paragraph(
        72, 224, "Unscrew the filter cap by hand and pull the filter cartridge straight out of its housing."
    ),
]
FILTER_GOES_ON = [
    *_paragraph(
        72, 60, "Rinse the mesh under warm running water, then let it dry for one hour before it goes back."
    ),
    (72, 110, "8. Storage", 13, "hebo"),
    *_paragraph(72, 134, "Store the pump in a dry room where it cannot freeze."),
]


def test_a_section_that_goes_on_over_the_page_break_keeps_its_heading(tmp_path):
    """The first lines of a page that go on with the section of the page before sit under that section's
    heading: the answer they lead reads "7. Cleaning the filter — Rinse the mesh ...", cited on the page
    that holds them."""
    answer = _answer(
        tmp_path, "pump.pdf", [FILTER, FILTER_GOES_ON], "How long should the rinsed filter mesh dry?"
    )
    assert answer.text.startswith("7. Cleaning the filter — Rinse the mesh"), answer.text
    assert _first_cited(answer) == ("pump.pdf", 2), answer.text
