"""Questions with several parts through the whole answer loop (issue 18, item 2), on a real Library over a
PDF generated with PyMuPDF whose facts sit on different pages: each part is covered from its own page and
cited, and a part no page covers is named instead of being left out."""

from __future__ import annotations

import pytest
from rag_support import titled_pages_library

from pagelens import Answer
from pagelens.rag.rewrite import decompose

PAGES = [
    (
        "Run-time directory",
        "The /run directory holds the run-time files of daemons, such as their sockets and PID files. "
        "It is a temporary file system, emptied at every boot.",
    ),
    (
        "History of the run-time directory",
        "The /run directory exists since 2011. Before that year daemons wrote their run-time files "
        "under /var/run, which is now a symbolic link to /run.",
    ),
    (
        "Lock files",
        "A lock file marks a device or a resource as busy. Lock files are kept in /run/lock, and a program "
        "removes its lock file when it releases the resource.",
    ),
    (
        "PID files",
        "A PID file holds the process number of a running daemon, written as decimal digits and a newline. "
        "Scripts read it to send the daemon a signal.",
    ),
    (
        "Printing",
        "The spooler keeps print jobs in a queue and sends them to the printer one after the other. "
        "Paper sizes are set per printer.",
    ),
    (
        "Fonts",
        "Fonts are installed per user or for the whole system, and the font cache is rebuilt after "
        "each installation.",
    ),
]


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    with titled_pages_library(tmp_path_factory.mktemp("parts"), "runtime-files.pdf", PAGES) as lib:
        yield lib


def pages_cited(answer: Answer) -> set[int]:
    return {c.page for c in answer.citations}


def test_what_and_since_when_are_two_parts_each_cited_from_its_own_page(library):
    answer = library.ask("What is the /run directory, and since when does it exist?")
    assert any(s.kind == "decompose" for s in answer.steps)
    assert answer.answerable, answer.text
    assert {1, 2} <= pages_cited(answer), answer.text
    assert "daemons" in answer.text and "2011" in answer.text


def test_a_versus_question_covers_both_sides_from_their_pages(library):
    assert decompose("PID files vs lock files?") == ["PID files", "lock files"]
    answer = library.ask("PID files vs lock files?")
    assert answer.answerable, answer.text
    assert {3, 4} <= pages_cited(answer), answer.text


def test_a_part_no_page_covers_is_named_not_dropped(library):
    answer = library.ask("Where are lock files kept, and which company designed the kernel mascot?")
    assert answer.answerable and 3 in pages_cited(answer), answer.text
    assert "/run/lock" in answer.text
    assert "Not found in the library: " in answer.text and "mascot" in answer.text


def test_a_clause_opened_by_a_preposition_or_an_auxiliary_after_and_is_a_part_of_its_own(library):
    assert decompose("Who released it and under which license is it distributed?") == [
        "Who released it",
        "under which license is it distributed? (released)",
    ]
    assert len(decompose("How do I restore a file, and do restored files keep their owner?")) == 2
    assert decompose("How do I read and write files?") == ["How do I read and write files?"]
    answer = library.ask(
        "Where are lock files kept, and under which directory did daemons write their run-time files "
        "before 2011?"
    )
    assert any(s.kind == "decompose" for s in answer.steps)
    assert answer.answerable and {2, 3} <= pages_cited(answer), answer.text
    assert "/run/lock" in answer.text and "/var/run" in answer.text


def test_a_closing_phrase_that_repeats_the_preposition_asks_the_question_again_of_what_it_names():
    assert decompose("What does it mean when tar exits with 1, and with 2?") == [
        "What does it mean when tar exits with 1?",
        "What does it mean when tar exits with 2?",
    ]
    assert decompose("How do I install it on Linux and on Windows?") == [
        "How do I install it on Linux?",
        "How do I install it on Windows?",
    ]
    # a question word after the preposition opens a clause of its own, asked as it stands
    assert decompose("Which files are compressed with gzip, and with what level?")[1].startswith(
        "with what level?"
    )


BACKUP_PAGES = [
    ("Schedule", "Backups run every night at 2 am. The schedule is set in the file /etc/bkp/schedule."),
    (
        "Retention",
        "Old backups are kept for 30 days. After that the cleanup job deletes them from the server.",
    ),
    (
        "Encryption",
        "Archives are encrypted with AES-256 before they leave the machine. The key is stored in "
        "/etc/bkp/key and must be readable by root only.",
    ),
    ("Compression", "Archives are compressed with zstd at level 3 by default; --level sets another level."),
    ("Logs", "Every run writes a log to /var/log/bkp.log. Logs older than one year are removed."),
    (
        "Where the key is stored",
        "The key is stored in /root/.ssh on each client; the key is stored with mode 600.",
    ),
]


@pytest.fixture(scope="module")
def backups(tmp_path_factory):
    with titled_pages_library(tmp_path_factory.mktemp("backups"), "bkp-manual.pdf", BACKUP_PAGES) as lib:
        yield lib


@pytest.mark.parametrize(
    "question, part, page",
    [
        ("How are the archives encrypted, and how long are they kept?", "how long are they kept?", 2),
        ("Which compression do archives use, and how are they encrypted?", "how are they encrypted?", 3),
        ("Where is the backup schedule set, and which job deletes them?", "which job deletes them?", 2),
        # no pronoun: the first part's words still say which key
        (
            "Which algorithm encrypts the archives, and where is the key stored?",
            "where is the key stored?",
            3,
        ),
    ],
)
def test_a_part_that_borrows_the_first_parts_words_leads_from_its_own_page(backups, question, part, page):
    """A later part ("how long are they kept?") borrows the first part's key words as context: they say what
    the part is about, its own words what it asks, so its lead is not the first part's page again."""
    answer = backups.ask(question)
    line = next(line for line in answer.text.split("\n") if line.startswith("- ") and part in line)
    assert line.endswith(f"[bkp-manual.pdf p.{page}]"), answer.text


def test_a_passage_that_answers_two_parts_is_quoted_once_under_both(library):
    """Both parts of the question sit in one paragraph: it leads once, under both parts, not twice."""
    answer = library.ask("Where are lock files kept, and who removes a lock file?")
    assert answer.answerable and pages_cited(answer) == {3}, answer.text
    assert answer.text.count("Lock files are kept in /run/lock") == 1, answer.text
    assert answer.text.startswith("- Where are lock files kept; who removes a lock file?"), answer.text


def test_a_paragraph_whose_sentences_answer_two_parts_is_shown_once(tmp_path):
    """Each part leads with its own sentence of one paragraph (the error's, the warning's), and the
    paragraphs under the same heading follow it as far as they fit, which the sentence's place in its
    paragraph changes. The answer shows the paragraph once, under both parts (it showed it twice, each
    reading cut at another place)."""
    diagnostics = "\n\n".join(
        [
            "Exit status is normally 0; if an error occurs, exit status is 1. If a warning occurs, exit "
            "status is 2.",
            "Invalid options were given on the command line: the usage is printed, nothing is compressed, "
            "and the files named are left as they were. A file that is not in zipper format is left alone, "
            "and the files after it are still read and compressed one by one. A corrupt file is reported "
            "and skipped, and the data up to the point of failure can be recovered with the recovery tool.",
            "A file that is already compressed keeps its name and size.",
        ]
    )
    pages = [
        (
            "Usage",
            "zipper [-k] [-v] file: compresses each file in place and adds the suffix .zp to its name.",
        ),
        ("Diagnostics", diagnostics),
    ]
    with titled_pages_library(tmp_path, "zipper.pdf", pages) as library:
        answer = library.ask("What exit status does zipper return after an error, and what after a warning?")
    assert answer.answerable and pages_cited(answer) == {2}, answer.text
    assert answer.text.count("If a warning occurs, exit status is 2") == 1, answer.text
    assert answer.text.startswith("- What exit status does zipper return after an error; what after"), (
        answer.text
    )


def test_a_lead_in_without_a_content_word_belongs_to_its_question_word():
    """ "Since which version ..., and in which version ...?": "Since" opens the first part's question, it is
    no context for the second (a lead-in with content words is: "In the guide's example, ...")."""
    assert decompose(
        "Since which version does it throw for a non-string path, and in which version was it added?"
    )[1].startswith("in which version was it added?")
    assert decompose("In the guide's example, what is x and what is y?") == [
        "In the guide's example, what is x",
        "In the guide's example, what is y?",
    ]


def test_a_part_with_a_literal_of_its_own_borrows_no_literal_of_the_first():
    """The parts are the alternatives asked about: the second part is about '.index', not 'index.coffee.md'."""
    first, second = decompose(
        "What does Node's path.extname return for 'index.coffee.md', and what for '.index'?"
    )
    assert "'index.coffee.md'" in first and "index.coffee.md" not in second, second
    assert "path.extname" in second
