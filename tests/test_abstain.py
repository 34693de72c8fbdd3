"""Abstention signals (rag/abstain.py) on generated text and pages: the answer type asked must be in the
lead, the top pages should agree, and some unit of the lead page should mean what is asked."""

from __future__ import annotations

from math import prod

import pytest
from rag_support import library_of, titled_pages_library, titled_pages_pdf

from pagelens import Library
from pagelens.rag.abstain import absent_words, holds_type, numbered, signal_gaps, waive, without_words
from pagelens.rag.agent import document_texts
from pagelens.rag.answer_kind import asked_heads
from pagelens.rag.evidence import EvidencePage
from pagelens.rag.extractive import judge_page
from pagelens.rag.lexical import named, question_terms, terms
from pagelens.rag.params import PARAMS
from pagelens.rag.question import analyse
from pagelens.rag.rewrite import rewrite

RELEASES = (
    "Quillmark release notes",
    "Quillmark stores drafts in the drafts folder of your home directory. Autosave was added to Quillmark in "
    "version 2.4, released in March 2019. Spell checking covers English and German.",
)
PLUGINS = (
    "Quillmark plugins",
    "A Quillmark plugin is a Python module that registers commands. Plugins can add menus, key bindings and "
    "export formats. The plugin manager lists the installed plugins and lets you disable any of them.",
)


@pytest.mark.parametrize(
    ("asks", "text", "holds"),
    [
        ("number", "It keeps 7 log files.", True),
        ("number", "It keeps twelve log files.", True),
        ("number", "It keeps several log files.", False),
        # digits that name or point rather than count: a manual's section, a note, a release, an item
        ("number", "See blockdev(8) and the notes [2] for the device setup.", False),
        ("number", "The option was added in version 1.19.3 of the tool.", False),
        ("number", "Configuration fragments (since dpkg1.15.4).", False),  # a release glued to its name
        ("number", "Fragments are read from /etc/dpkg/dpkg.cfg.d/[0-9a-zA-Z_-]* files.", False),  # a range
        ("number", "The steps are as follows: 1. Unpack the archive.", False),
        ("number", "Since version 1.2 it keeps 7 log files (see logrotate(8)).", True),
        ("number", "The limit is 10. Beyond that, files are dropped.", True),
        ("time", "Added in version 1.19.3 of the tool.", True),  # a release says when
        ("time", "See sd_notify(3) for the protocol.", False),
        ("time", "Added in version 2.4, released in March 2019.", True),
        ("version", "Added in version 2.4, released in March 2019.", True),
        ("version", "Supported since APT 1.1.", True),
        ("version", "The plugin manager checks for updates every 24 hours.", False),  # a time, no release
        ("time", "The plugin manager lists the installed plugins.", False),
        ("place", "Drafts are stored in the drafts folder.", True),
        ("place", "See https://example.org for the sources.", True),
        ("place", "Drafts can be deleted.", False),
        ("name", "Drafts can be deleted.", True),  # no surface form: a name always passes
        ("procedure", "Drafts can be deleted.", True),
    ],
)
def test_the_answer_type_asked_has_a_surface_form(asks, text, holds):
    assert holds_type(asks, text) is holds


def test_signals_name_a_missing_type_and_pages_from_different_documents():
    lead = "The plugin manager lists the installed plugins and lets you disable any of them."
    gaps = signal_gaps("time", "when did the plugin manager appear", lead, [lead], ["a.pdf", "b.pdf"]).gaps
    kinds = {g.kind: g.factor for g in gaps}
    assert kinds["answer_type"] == PARAMS.type_factor
    assert kinds["disagreement"] == PARAMS.disagreement_factor
    same = signal_gaps("name", "which tool lists the plugins", lead, [lead], ["a.pdf", "a.pdf"]).gaps
    assert not {g.kind for g in same} & {"answer_type", "disagreement"}


def test_the_semantic_signal_fires_only_when_no_unit_means_what_is_asked():
    units = [s.strip() + "." for s in f"{RELEASES[1]} {PLUGINS[1]}".split(".") if s.strip()]  # sentences
    on_topic = signal_gaps(
        "other", "Which languages does spell checking support?", units[0], units, ["a"]
    ).gaps
    off_topic = signal_gaps("other", "How do I bake sourdough bread at home?", units[0], units, ["a"]).gaps
    assert "semantic" not in {g.kind for g in on_topic}
    assert "semantic" in {g.kind for g in off_topic}


def test_the_semantic_signal_is_left_out_for_a_language_the_encoder_does_not_read():
    """all-MiniLM-L6-v2 reads English only: a German passage scores as low for its own English paraphrase as
    an unrelated one, so a page in German (or a question in French) gets no semantic gap, nor a waiver."""
    lead = "Alte Sicherungen werden nach vierzehn Tagen gelöscht."
    asked = "After how many days are old backups deleted?"
    english = signal_gaps("number", asked, lead, [lead], ["a"], coverage=0.9, languages=("en", "en")).gaps
    assert "semantic" in {g.kind for g in english}  # read as English, the German lead means nothing
    for languages in (("en", "de"), ("fr", "en")):
        signals = signal_gaps("number", asked, lead, [lead], ["a"], coverage=0.9, languages=languages)
        assert "semantic" not in {g.kind for g in signals.gaps} and not signals.waived


@pytest.fixture(scope="module")
def quillmark(tmp_path_factory) -> Library:
    with titled_pages_library(
        tmp_path_factory.mktemp("abstain"), "quillmark.pdf", [RELEASES, PLUGINS]
    ) as lib:
        yield lib


def test_a_near_miss_asking_a_time_the_pages_do_not_give_is_abstained_on(quillmark):
    answered = quillmark.ask("When was autosave added to Quillmark?")
    assert answered.answerable and "2019" in answered.text
    assert "answer_type" not in {g.kind for g in answered.gaps}
    near_miss = quillmark.ask("When did Quillmark get its plugin manager?")
    assert "answer_type" in {g.kind for g in near_miss.gaps}
    assert not near_miss.answerable and not near_miss.citations
    assert "type asked (time)" in near_miss.text  # what is missing, in the reader's terms


def test_a_yes_no_question_about_what_no_page_names_is_abstained_on(quillmark):
    """A yes/no question "is there a maximum ...?" asks whether a maximum exists: the plugins page, which
    never names one, cannot say yes, and its silence is no "no"; a question about a thing the page names
    is answered, and "is there a way to ...?" asks for a means, not for a "way" on the page."""
    said = quillmark.ask("Is there a plugin manager for installed plugins?")
    assert said.answerable and "plugin manager" in said.text
    means = quillmark.ask("Is there a way to disable installed plugins?")
    assert means.answerable and "disable" in means.text
    unstated = quillmark.ask("Is there a maximum of installed plugins?")
    assert "any maximum (asked whether there is one)" in {g.what for g in unstated.gaps}
    assert not unstated.answerable and not unstated.citations


def test_an_abstention_says_what_is_missing_without_the_answerers_own_signals(tmp_path):
    """The top pages' documents and a cosine are the answerer's reasons to abstain (`Answer.gaps`), not
    something a reader can act on: the abstention's text leaves them out."""
    pdfs = [
        titled_pages_pdf(tmp_path / name, [page])
        for name, page in (("notes.pdf", RELEASES), ("plugins.pdf", PLUGINS))
    ]
    library = library_of(tmp_path / "lib", pdfs)
    try:
        near_miss = library.ask("When did Quillmark get its plugin manager?")
        elsewhere = library.ask("How do I configure autoscaling of Quillmark plugins on Kubernetes?")
    finally:
        library.close()
    assert not elsewhere.answerable and "Kubernetes" in elsewhere.text
    assert elsewhere.text.count("Kubernetes") == 1, elsewhere.text  # said once, not again as a gap
    internal = [g.what for g in near_miss.gaps if g.kind in ("semantic", "disagreement")]
    assert not near_miss.answerable and internal
    assert not any(what in near_miss.text for what in internal), near_miss.text


def test_a_question_of_two_parts_stands_on_the_part_the_pages_answer(quillmark):
    """The answer keeps the part that passes the gate and names the other as not found; its confidence is
    that part's, so the gate applied to `Answer.confidence` (ask_eval) agrees with what the answer did."""
    answer = quillmark.ask("When was autosave added to Quillmark, and when did it get its plugin manager?")
    assert answer.answerable and "2019" in answer.text and "Not found in the library" in answer.text
    assert answer.confidence >= quillmark.settings.answer_min_confidence


def test_a_paraphrase_that_means_what_is_asked_overrules_the_focus_gap():
    """The lead means the question (MiniLM) and its page holds enough of the question's weight: the missing
    rarest words are a paraphrase's, so the focus gap is waived; not with too little of the question on the
    page, nor when nothing on it means what is asked (then the semantic gap fires instead)."""
    lead = "The plugin manager lists the installed plugins and lets you disable any of them."
    asked = "How can I switch off a plugin I installed?"
    meant = signal_gaps("procedure", asked, lead, [lead], ["a"], coverage=PARAMS.paraphrase_coverage)
    assert meant.waived == {"focus"} and not meant.gaps
    assert not signal_gaps("procedure", asked, lead, [lead], ["a"], coverage=0.3).waived
    off = signal_gaps("procedure", "How do I bake sourdough bread?", lead, [lead], ["a"], coverage=0.9)
    assert not off.waived and "semantic" in {g.kind for g in off.gaps}


def test_waiving_a_gap_gives_back_the_confidence_it_took(tmp_path):
    library = library_of(tmp_path / "lib", [titled_pages_pdf(tmp_path / "plugins.pdf", [PLUGINS])])
    (evidence,) = [EvidencePage.from_page(p, "search") for p in library.pages("plugins.pdf")]
    question = "Which export formats can an extension contribute?"
    asked = analyse(question, rewrite(question, []), library.statistics())
    judged = judge_page(asked.parts[0].terms, evidence)
    library.close()
    assert "focus" in {g.kind for g in judged.gaps}  # its rarest words are not on the page
    others = prod(g.factor for g in judged.gaps if g.kind != "focus")
    waive(judged, {"focus"})
    assert "focus" not in {g.kind for g in judged.gaps}
    assert judged.confidence == pytest.approx(judged.evidence * others)


def test_absent_words_leave_out_the_kind_asked_and_the_documents_name():
    """ "How long ..." asks for a duration, which a page states as a value, not as the word "long"; a word of
    the lead document's name says where to look. Neither is what the page lacks of the question."""
    asked = "How long does Quillmark keep crash reports?"
    missing = question_terms(asked)
    absent = absent_words(asked, missing, "quillmark-notes.pdf")
    assert absent == {*terms("crash reports keep")}
    assert without_words(asked, absent) == "How long does Quillmark"


@pytest.mark.parametrize(
    ("asked", "unmet"),
    [
        ("What is the biggest plugin Quillmark can load?", True),  # the page says nothing of sizes
        ("Which Python version do Quillmark plugins need?", True),
        ("How can I switch off a plugin I installed?", False),  # a paraphrase of "disable any of them"
        ("Which plugins can add key bindings?", False),  # every word is on the page
    ],
)
def test_a_part_whose_absent_words_pull_it_away_from_the_page_asks_what_it_does_not_say(asked, unmet):
    """The plugins page means Quillmark's plugins; a near miss asks a relation of them the page does not
    state, and without the words the page lacks the part is closer to the page than with them. A
    paraphrase's absent words carry meaning the page has: the part is no closer without them."""
    lead = PLUGINS[1]
    units = [s.strip() + "." for s in lead.split(".") if s.strip()]
    absent = absent_words(asked, [t for t in question_terms(asked) if t not in terms(lead)], "plugins.pdf")
    signals = signal_gaps("other", asked, lead, units, ["a"], coverage=0.6, absent=absent)
    found = {g.kind: g.factor for g in signals.gaps}
    assert ("unmet_ask" in found) is unmet, signals.gaps
    if unmet:
        assert found["unmet_ask"] < 0.5 and not signals.waived  # a subject's match waives no focus gap


def test_a_near_miss_about_a_documented_subject_is_abstained_on_and_its_answer_kept(quillmark):
    """End to end on generated pages: the plugins page documents Quillmark's plugins but no size limit."""
    near_miss = quillmark.ask("What is the biggest plugin Quillmark can load?")
    assert "unmet_ask" in {g.kind for g in near_miss.gaps}
    assert not near_miss.answerable and not near_miss.citations
    answered = quillmark.ask("How can I switch off a Quillmark plugin I installed?")
    assert answered.answerable and "disable" in answered.text
    assert all(g.factor > 0.5 for g in answered.gaps if g.kind == "unmet_ask")  # a paraphrase's pull is weak


def test_a_count_asked_of_a_page_whose_digits_only_name_things_is_abstained_on(tmp_path):
    """A manual's section "export(1)", a release "2.4.1" and a note "[3]" hold no amount: "how many ...?"
    answered from that page would quote no number; a page that states one is answered."""
    pages = [
        (
            "Quillmark exports",
            "Quillmark exports drafts through the export(1) command, described in the "
            "manual of release 2.4.1 [3]. Exports can be written as PDF or as HTML.",
        ),
        (
            "Quillmark backups",
            "Quillmark copies each draft to the backups folder and keeps those backups for 14 days.",
        ),
    ]
    with titled_pages_library(tmp_path, "quillmark.pdf", pages) as library:
        counted = library.ask("How many days does Quillmark keep draft backups?")
        named = library.ask("How many exports can Quillmark write at the same time?")
    assert counted.answerable and "14 days" in counted.text
    assert "answer_type" in {g.kind for g in named.gaps}
    assert not named.answerable and not named.citations


def test_a_name_in_code_that_the_lead_page_never_writes_is_a_gap():
    """A part naming an option, a call or an identifier its lead page never writes is answered from a page
    about something else; a name the page writes, or a word of the lead document's name, is no gap."""
    lead = "--max-snapshots=<n> [default: 100] The maximum number of snapshots recorded."
    asked = "What is the default value of --max-stackframe?"
    absent = absent_words(asked, [t for t in question_terms(asked) if t not in terms(lead)], "massif.html")
    unwritten = signal_gaps("other", asked, lead, [lead], ["a"], absent=absent).gaps
    assert [g.factor for g in unwritten if g.kind == "unwritten_name"] == [PARAMS.unwritten_name_factor]
    asked = "What is the default value of --max-snapshots?"
    absent = absent_words(asked, [t for t in question_terms(asked) if t not in terms(lead)], "massif.html")
    written = signal_gaps("other", asked, lead, [lead], ["a"], absent=absent).gaps
    assert "unwritten_name" not in {g.kind for g in written}
    # a one-letter option is too short a name for the page's silence to say it is about something else
    lead = "The blocking factor is the number of 512-byte blocks in a record."
    asked = "With tar's -b blocking factor, how big does a record get?"
    absent = absent_words(asked, [t for t in question_terms(asked) if t not in terms(lead)], "tar.pdf")
    assert "-b" in absent
    letter = signal_gaps("other", asked, lead, [lead], ["a"], absent=absent).gaps
    assert "unwritten_name" not in {g.kind for g in letter}


def test_a_question_about_an_option_the_pages_never_write_is_abstained_on(tmp_path):
    options = (
        "Quillmark options",
        "--max-drafts=<n> [default: 100] The maximum number of drafts Quillmark keeps open. "
        "--max-depth=<n> [default: 8] The deepest outline level Quillmark shows.",
    )
    with titled_pages_library(tmp_path, "quillmark-options.pdf", [options]) as library:
        written = library.ask("What is Quillmark's default value for --max-drafts?")
        unwritten = library.ask("What is Quillmark's default value for --max-undo?")
    assert written.answerable and "100" in written.text
    assert "unwritten_name" in {g.kind for g in unwritten.gaps}
    assert not unwritten.answerable and not unwritten.citations


def test_a_document_is_named_by_every_word_of_its_file_name():
    docs = ["gnu-time.html", "massif.html", ".pdf"]  # a name without words names nothing
    assert named(question_terms("Which GNU time format specifier prints the peak?"), docs, whole=True) == {
        "gnu-time.html"
    }
    assert named(question_terms("How much time does the peak take?"), docs, whole=True) == set()
    assert named(question_terms("How much time does the peak take?"), docs) == {"gnu-time.html"}  # one word


def test_a_lead_from_another_document_than_the_one_the_question_names_is_a_gap():
    lead = "Massif records a peak only when the memory allocation size exceeds the previous peak."
    asked = "Which GNU time format specifier prints the peak memory size?"
    elsewhere = signal_gaps(
        "name", asked, lead, [lead], ["a"], named=["gnu-time.html"], lead_doc="massif.html"
    )
    assert [g.factor for g in elsewhere.gaps if g.kind == "other_document"] == [PARAMS.other_document_factor]
    inside = signal_gaps(
        "name", asked, lead, [lead], ["a"], named=["gnu-time.html"], lead_doc="gnu-time.html"
    )
    unnamed = signal_gaps("name", asked, lead, [lead], ["a"], lead_doc="massif.html")
    assert "other_document" not in {g.kind for g in inside.gaps + unnamed.gaps}


def test_a_question_naming_a_document_answered_from_another_one_carries_the_gap(tmp_path):
    """The question names tallyho-stats.pdf ("tallyho stats"), whose page lacks what it asks; memprobe.pdf
    describes it, and leads: the answer would be about memprobe, which the question did not ask about."""
    pdfs = [
        titled_pages_pdf(tmp_path / name, [page])
        for name, page in (
            (
                "tallyho-stats.pdf",
                (
                    "Tallyho stats fields",
                    "The tallyho stats report counts the files read and the files written by a job. "
                    "The files field sums both.",
                ),
            ),
            (
                "memprobe.pdf",
                (
                    "Memprobe fields",
                    "The peak field holds the peak resident memory size of the process, in kilobytes.",
                ),
            ),
        )
    ]
    library = library_of(tmp_path / "library", pdfs)
    try:
        elsewhere = library.ask(
            "Which tallyho stats field holds the peak resident memory size of the process?"
        )
        own = library.ask("Which tallyho stats field counts the files read and written?")
    finally:
        library.close()
    assert "other_document" in {g.kind for g in elsewhere.gaps}
    assert own.answerable and "tallyho-stats.pdf" in {c.doc for c in own.citations}
    assert "other_document" not in {g.kind for g in own.gaps}


def test_a_noun_its_document_writes_beside_numbers_names_a_quantity():
    pages = ["The server listens on port 8750. The sync service uses port 8751.", "A relay has its own port."]
    assert numbered(["port", "relay"], pages) == ["port"]  # 2 of its 3 places stand beside a number
    assert numbered(["port"], pages[1:]) == []  # once, without a number: nothing says it is a quantity
    assert asked_heads("What port does the relay use?") == ("port",)
    assert asked_heads("What value does the relay use?") == ()  # a generic head asks for no kind


SERVER = (
    "Quillmark server",
    "The Quillmark server listens on port 8750 by default. The sync service uses port 8751, and the admin "
    "console binds to port 8752 when it is enabled.",
)
RELAY = (
    "Quillmark relay",
    "The Quillmark relay forwards drafts between servers. The relay runs on a port of its own, chosen when "
    "the relay is installed.",
)


def test_a_quantity_asked_of_a_lead_without_a_number_is_abstained_on(tmp_path):
    """ "What port ...?" asks for a number: the document writes its ports with numbers, and the relay's page
    names its port without one, so it cannot say which."""
    with titled_pages_library(tmp_path, "quillmark-network.pdf", [SERVER, RELAY]) as library:
        stated = library.ask("What port does the Quillmark server listen on?")
        unstated = library.ask("What port does the Quillmark relay run on?")
    assert stated.answerable and "8750" in stated.text
    assert "a number for the port asked" in {g.what for g in unstated.gaps}
    assert not unstated.answerable and not unstated.citations


def test_a_document_that_left_the_library_gives_no_texts(tmp_path):
    """The quantity check reads the lead's whole document; a sync may remove it while a question is being
    answered: then nothing is read, and the answer goes on without that evidence."""
    with titled_pages_library(tmp_path, "quillmark-network.pdf", [SERVER, RELAY]) as library:
        assert any("8750" in text for text in document_texts(library, "quillmark-network.pdf"))
        assert library.remove("quillmark-network.pdf")
        assert document_texts(library, "quillmark-network.pdf") == []
