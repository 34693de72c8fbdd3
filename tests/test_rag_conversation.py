"""Conversation turns through the whole answer loop, on a real Library over PDFs generated with PyMuPDF: a
follow-up that is an ellipsis stays on the chat's document, and a standalone question about another
document (one that opens in a place the chat never named too, pronoun or not) does not carry the old topic; "the next page" past a document's end, or at a page with no text; a
follow-up about another entry of the page the last answer quoted leads with that entry, not the quoted one; a
follow-up whose pronoun points back is not answered from a page that names nothing of the chat's subject."""

from __future__ import annotations

import pymupdf
import pytest

from pagelens import Answer, Library, Settings

DOCS = {
    "archiver-manual.pdf": [
        (
            "The pack function",
            "Function: pack (files, level). The pack function compresses a list of files into one archive "
            "at the given compression level. Example: pack ([notes, drafts], 7) writes notes.pak.",
        ),
        (
            "Calling pack with a symbol",
            "If the first argument of pack is a symbol rather than a list of files to compress into an "
            "archive, pack returns the call unevaluated, as the noun form 'pack (x, 7).",
        ),
    ],
    "shell-guide.pdf": [
        (
            "Arguments of commands",
            "The first argument given to every shell command is a symbol naming its target, and the "
            "remaining arguments are options.",
        ),
        (
            "Exit status",
            "Every shell command returns an exit status: zero for success, any other number for failure.",
        ),
        (
            "Shell archives",
            "A shell archive packs a directory tree into a single script that recreates it.",
        ),
    ],
    # its second page is a picture without words (a drawn shape, no text to read or OCR)
    "garden-notes.pdf": [
        (
            "Watering tomatoes",
            "Water tomato plants deeply twice a week, at the base of the stem, early in the morning.",
        ),
        None,
        ("Pruning roses", "Prune roses in late winter: cut each cane just above an outward-facing bud."),
    ],
}


# one page of entries that share their words: a follow-up about the second entry carries the words of the first
STRINGS = {
    "strings-manual.pdf": [
        (
            "String functions",
            "trim(s) returns the string s stripped of its leading and trailing whitespace. This is useful when "
            "fields read from a file were padded with blanks to a fixed width: compare trim(name) with the value "
            "you expect, because a padded field never equals it. Tabs and newlines count as whitespace as well, "
            "so a line read with its end of line still attached comes back without it.\n\n"
            "words(s) returns the number of words in the string s, where a word is any run of characters between "
            "blanks. Use word(s, n) to get the n-th of them: word(s, 1) is the first and word(s, words(s)) the "
            "last one. Both treat a quoted phrase as a single word, so a title in double quotes is counted once "
            "and returned whole.\n\n"
            "upper(s) returns the string s in capital letters and lower(s) in small ones; neither changes the "
            "digits, blanks or punctuation in it, and both return a new string, leaving s as it was.",
        ),
        (
            "Numeric functions",
            "abs(x) returns the absolute value of x. sqrt(x) returns the square root of x.",
        ),
    ]
}


# a command's manual, and a guide whose page shares a follow-up's own words but is about another thing
TOOLS = {
    "tidy-manual.pdf": [
        (
            "The tidy command",
            "tidy (folder) removes temporary files from a folder and all of its subfolders: editor backups, "
            "core dumps and files whose names end in .tmp.",
        ),
        (
            "Options of tidy",
            "tidy --dry-run only lists the files tidy would remove, so you can check them first. "
            "tidy --keep PATTERN spares the files whose names match PATTERN.",
        ),
    ],
    "backup-guide.pdf": [
        (
            "Previewing a backup",
            "Before the first real run, preview a backup job: the preview shows which files it would delete "
            "from the target and which it would copy.",
        ),
        ("Schedules", "A backup job runs every night at two unless a schedule says otherwise."),
    ],
}


# a topic's words on its first page only: a follow-up on the next page carries words that page lacks
PATHS = {
    "pathkit-manual.pdf": [
        (
            "Joining paths",
            "In Node.js, path.join(...paths) joins all given path segments together using the separator of "
            "the platform as a delimiter, then normalizes the resulting path.",
        ),
        (
            "Windows",
            "On Windows the separator is the backslash, and a path that starts with a drive letter such as C: "
            "is absolute. The win32 variant of each method gives the Windows behaviour on every platform.",
        ),
    ]
}


def _library(folder, docs: dict) -> Library:
    paths = []
    for name, pages in docs.items():
        doc = pymupdf.open()
        for content in pages:
            page = doc.new_page(width=595, height=842)
            if content is None:
                page.draw_rect(pymupdf.Rect(100, 100, 400, 400), color=(0, 0, 1), fill=(0.8, 0.8, 1))
                continue
            title, body = content
            page.insert_text((72, 72), title, fontsize=18, fontname="helv")
            page.insert_textbox(pymupdf.Rect(72, 100, 520, 400), body, fontsize=11, fontname="helv")
        doc.save(folder / name)
        paths.append(folder / name)
    lib = Library(folder / "library", settings=Settings.from_env(library=folder / "library"))
    report = lib.add(paths, progress=False)
    assert report.ok, [f.reason for f in report.files]
    return lib


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    lib = _library(tmp_path_factory.mktemp("conversation"), DOCS)
    yield lib
    lib.close()


@pytest.fixture(scope="module")
def strings(tmp_path_factory):
    lib = _library(tmp_path_factory.mktemp("strings"), STRINGS)
    yield lib
    lib.close()


@pytest.fixture(scope="module")
def tools(tmp_path_factory):
    lib = _library(tmp_path_factory.mktemp("tools"), TOOLS)
    yield lib
    lib.close()


@pytest.fixture(scope="module")
def paths(tmp_path_factory):
    lib = _library(tmp_path_factory.mktemp("paths"), PATHS)
    yield lib
    lib.close()


def docs_cited(answer: Answer) -> set[str]:
    return {c.doc for c in answer.citations}


def chat(library: Library, *turns: str) -> list[Answer]:
    history: list[dict] = []
    answers = []
    for turn in turns:
        answers.append(library.ask(turn, history=list(history)))
        history += [{"role": "user", "content": turn}, {"role": "assistant", "content": answers[-1].text}]
    return answers


def test_an_ellipsis_follow_up_stays_on_the_chats_document(library):
    question = "And if the first argument given is a symbol?"
    alone = library.ask(question)
    assert alone.citations[0].doc == "shell-guide.pdf"  # on its own, it is about the other document
    first, follow = chat(library, "How do I compress files into an archive with pack?", question)
    assert first.citations[0].doc == "archiver-manual.pdf"
    assert follow.steps[0].kind == "rewrite" and "pack" in follow.steps[0].title
    assert follow.answerable and docs_cited(follow) == {"archiver-manual.pdf"}
    assert "unevaluated" in follow.text


@pytest.mark.parametrize(
    "turn",
    [
        "Which exit status does a shell command return for success?",
        # opens in a place the chat never named: "its" points inside the turn (the command's status), not
        # back at pack
        "In a shell, what does a command return as its status for success?",
    ],
)
def test_a_standalone_question_about_another_document_carries_nothing(library, turn):
    first, switch = chat(library, "How do I compress files into an archive with pack?", turn)
    assert first.citations[0].doc == "archiver-manual.pdf"
    assert not any(s.kind == "rewrite" for s in switch.steps)
    assert docs_cited(switch) == {"shell-guide.pdf"} and "zero" in switch.text


def test_the_next_page_is_answered_from_that_page_alone(library):
    first, follow = chat(
        library, "What does the pack function do with a list of files?", "And on the next page?"
    )
    assert first.citations[0].doc == "archiver-manual.pdf" and first.citations[0].page == 1
    assert follow.answerable and {(c.doc, c.page) for c in follow.citations} == {("archiver-manual.pdf", 2)}


def test_no_page_past_either_end_of_a_document(library):
    first, follow = chat(
        library, "What does pack return when its first argument is a symbol?", "And on the next page?"
    )
    assert (first.citations[0].doc, first.citations[0].page) == ("archiver-manual.pdf", 2)  # its last page
    assert not follow.answerable and not follow.citations
    assert follow.text == "There is no next page: p.2 is the last page of archiver-manual.pdf."
    first, back = chat(
        library, "What does the pack function do with a list of files?", "And on the previous page?"
    )
    assert (first.citations[0].doc, first.citations[0].page) == ("archiver-manual.pdf", 1)
    assert not back.citations and "no previous page: p.1 is the first page" in back.text


def test_a_page_without_text_is_said_to_have_none_and_the_chat_moves_past_it(library):
    first, picture, after = chat(
        library, "How should I water tomato plants?", "And on the next page?", "And on the next page?"
    )
    assert (first.citations[0].doc, first.citations[0].page) == ("garden-notes.pdf", 1)
    assert [(c.doc, c.page) for c in picture.citations] == [("garden-notes.pdf", 2)]
    assert "no text to quote" in picture.text and "tomato" not in picture.text
    assert [(c.doc, c.page) for c in after.citations] == [("garden-notes.pdf", 3)]
    assert "Prune roses" in after.text


def test_a_first_turn_is_answered_as_the_same_question_asked_alone(library):
    question = "How do I compress files into an archive with pack?"
    alone = library.ask(question)
    (first,) = chat(library, question)
    assert first.text == alone.text and first.confidence == alone.confidence
    assert [(c.doc, c.page) for c in first.citations] == [(c.doc, c.page) for c in alone.citations]


def test_a_follow_up_about_another_entry_leads_with_that_entry_not_the_one_quoted_last(strings):
    first, follow = chat(
        strings,
        "Which function strips leading and trailing whitespace from a string?",
        "And how do I count the words in a string?",
    )
    assert first.text.startswith("String functions — trim(s)")
    # the turn carries the first one's words (strips, leading, trailing), which trim's entry holds; the answer
    # it gave already quoted that entry, so the entry naming the turn's own words leads
    assert follow.steps[0].kind == "rewrite" and "whitespace" in follow.steps[0].title
    assert follow.text.startswith("String functions — words(s) returns the number of words")
    # a follow-up asking more of the entry it quoted still reads that entry
    _, again = chat(
        strings,
        "Which function strips leading and trailing whitespace from a string?",
        "Does it also remove tabs and newlines?",
    )
    assert again.text.startswith("String functions — trim(s)") and "Tabs and newlines" in again.text


def test_a_follow_up_whose_pronoun_points_back_is_about_the_chats_subject(tools):
    first, follow = chat(
        tools,
        "Which command removes temporary files from a folder?",
        "Can it show a preview of the files first?",
    )
    assert first.citations[0].doc == "tidy-manual.pdf"
    # "it" is the command: a page that previews a backup job shares the turn's own words (preview, files,
    # first) but names nothing of the chat's subject, so it does not answer (it did while the turn's own
    # words alone made its focus)
    assert follow.steps[0].kind == "rewrite"
    assert "backup-guide.pdf" not in docs_cited(follow)


def test_a_follow_up_is_not_turned_away_for_the_topic_words_its_page_leaves_unsaid(paths):
    """A follow-up "And on Windows?" after a question on joining paths in Node.js carries "join path
    segments Node.js"; the page on Windows writes none of them. Those words name the topic the chat is on,
    not what the turn asks of it, so their absence does not pull the page's meaning away from the question
    (abstain.py's unmet_ask): the turn is answered from that page. A turn asking what the library does not
    hold ("And in Rust crates?") is still turned away, its own missing word named."""
    first, follow = chat(paths, "How do I join path segments in Node.js?", "And on Windows?")
    assert first.citations[0].page == 1
    assert follow.answerable and follow.citations[0].page == 2, follow.text
    assert not [g for g in follow.gaps if g.kind == "unmet_ask"], follow.gaps
    unrelated = chat(paths, "How do I join path segments in Node.js?", "And in Rust crates?")[1]
    assert not unrelated.answerable and "mentions Rust" in unrelated.text, unrelated.text
