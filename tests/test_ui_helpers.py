"""The app's pure helpers: highlighted thumbnails, persisted settings, upload staging, records -> components,
step labels, snippets, example questions and the viewer's page state."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from PIL import Image

from pagelens.config import Settings
from pagelens.conversations import Message
from pagelens.headings import heading, heading_shaped
from pagelens.types import AddReport, Citation, DocumentInfo, FileOutcome, Hit, LaneRank, Region, Step
from pagelens.ui import chats, present
from pagelens.ui.examples import _in_sentence, question_about
from pagelens.ui.prefs import UiPrefs, load_prefs, prefs_path, save_prefs
from pagelens.ui.snippets import query_terms, snippet_html
from pagelens.ui.steps import BLOCK_TITLE, step_labels, steps_message
from pagelens.ui.thumbnails import boxed_page
from pagelens.ui.uploads import MAX_NAME_BYTES, safe_display_name, stage_uploads, supported
from pagelens.ui.viewer import ViewerState


@pytest.fixture
def page_png(tmp_path: Path) -> Path:
    path = tmp_path / "pages" / "doc" / "00001.png"
    path.parent.mkdir(parents=True)
    Image.new("RGB", (400, 600), "white").save(path)
    return path


def test_boxed_page_highlights_a_padded_region_on_a_cached_copy(page_png: Path, tmp_path: Path):
    before = page_png.read_bytes()
    cache = tmp_path / "cache"
    boxed = boxed_page(page_png, (50, 100, 200, 300), cache)
    assert boxed.parent == cache and boxed != page_png
    assert page_png.read_bytes() == before
    with Image.open(boxed) as image:
        assert image.size == (400, 600)
        inside = image.getpixel((120, 200))
        assert inside != (255, 255, 255) and min(inside) > 150  # tinted, translucent: text stays readable
        assert image.getpixel((50, 200)) == inside  # the region's own edge is inside the padding, not struck
        assert image.getpixel((20, 200)) == (255, 255, 255)  # well outside stays white
    mtime = boxed.stat().st_mtime_ns
    assert boxed_page(page_png, (50, 100, 200, 300), cache) == boxed
    assert boxed.stat().st_mtime_ns == mtime  # cached, not redrawn
    assert boxed_page(page_png, (10, 10, 20, 20), cache) != boxed


def test_boxed_page_without_a_box_is_the_page_and_odd_boxes_are_clamped(page_png: Path, tmp_path: Path):
    assert boxed_page(page_png, None, tmp_path / "cache") == page_png
    boxed = boxed_page(page_png, (900, -5, 300, 10_000), tmp_path / "cache")
    with Image.open(boxed) as image:
        assert image.getpixel((350, 300)) != (255, 255, 255)


def test_a_cited_page_thumbnail_is_cut_around_its_passage(page_png: Path, tmp_path: Path):
    """The cited pages' strip shows the passage, not the page's top: a 400 x 600 page cited near its foot
    gives a 400 x 300 cut holding the highlight; a region taller than the cut starts at its top."""
    low = Citation("a.pdf", 3, "d", str(page_png), region=Region("text", (50, 500, 200, 560)))
    [(path, label)] = present.citation_gallery([low], tmp_path / "cache")
    assert label == "[a.pdf p.3]"
    with Image.open(path) as image:
        assert image.size == (400, 300)
        assert image.getpixel((120, 230)) != (
            255,
            255,
            255,
        )  # page y 530: the highlight, in the cut's lower half
        assert image.getpixel((120, 20)) == (255, 255, 255)
    tall = boxed_page(page_png, (50, 100, 200, 580), tmp_path / "cache", window=0.5)
    with Image.open(tall) as image:
        assert image.size == (400, 200) and image.getpixel((120, 10)) != (255, 255, 255)  # from the top
    assert (
        boxed_page(page_png, (50, 500, 200, 560), tmp_path / "cache") != path
    )  # the whole page: its own copy


def test_prefs_round_trip_and_override_settings(tmp_path: Path):
    defaults = Settings.from_env({}, library=tmp_path, llm_allowed_urls=["http://127.0.0.1:9/v1"])
    assert load_prefs(tmp_path, defaults) == UiPrefs.from_settings(defaults)
    chosen = UiPrefs(
        lanes=["text", " dse "],
        k=7,
        llm_backend="openai",
        llm_base_url="http://127.0.0.1:9/v1",
        llm_model="m",
    )
    save_prefs(tmp_path, chosen, defaults)
    loaded = load_prefs(tmp_path, defaults)
    assert loaded.lanes == ["text", "dse"] and loaded.k == 7 and loaded.llm_backend == "openai"
    applied = loaded.apply(defaults)
    assert applied.k == 7 and applied.llm_model == "m" and applied.lanes == ["text", "dse"]
    assert "api_key" not in prefs_path(tmp_path).read_text()


def _prefs(**changes) -> UiPrefs:
    return dataclasses.replace(UiPrefs.from_settings(Settings.from_env({})), **changes)


@pytest.mark.parametrize(
    "bad",
    [
        _prefs(lanes=[" "]),
        _prefs(k=0),
        _prefs(llm_backend="magic"),
        _prefs(llm_backend="openai", llm_base_url="file:///etc/passwd"),
    ],
)
def test_invalid_prefs_are_refused(bad: UiPrefs, tmp_path: Path):
    with pytest.raises(ValueError):
        save_prefs(tmp_path, bad, Settings.from_env({}, llm_backend="openai"))
    assert not prefs_path(tmp_path).exists()


def test_corrupt_prefs_file_gives_defaults(tmp_path: Path):
    defaults = Settings.from_env({}, library=tmp_path)
    prefs_path(tmp_path).write_text("{not json")
    assert load_prefs(tmp_path, defaults) == UiPrefs.from_settings(defaults)
    prefs_path(tmp_path).write_text(json.dumps({"k": "many", "lanes": ["text"]}))
    assert load_prefs(tmp_path, defaults) == UiPrefs.from_settings(defaults)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\evil.html", "evil.html"),
        (".bashrc", "bashrc"),
        ("a\x00b\nc.pdf", "abc.pdf"),
        ("..", "upload"),
        ("<script>.pdf", "script.pdf"),
        ("x" * 300 + ".pdf", "x" * 116 + ".pdf"),  # 120 characters in all
    ],
)
def test_safe_display_name(raw: str, expected: str):
    assert safe_display_name(raw) == expected


def test_stage_uploads_copies_under_content_hash_folders(tmp_path: Path):
    dropped = tmp_path / "browser"
    dropped.mkdir()
    first = dropped / "notes.pdf"
    first.write_bytes(b"%PDF-1 same bytes")
    twin = tmp_path / "other" / "notes.pdf"
    twin.parent.mkdir()
    twin.write_bytes(b"%PDF-1 same bytes")
    other = dropped / ".hidden.html"
    other.write_bytes(b"<html>x</html>")
    library = tmp_path / "lib"
    staged = stage_uploads([first, twin, other, dropped / "missing.pdf"], library, 2**20).files
    assert [p.name for p in staged] == ["notes.pdf", "hidden.html"]
    for path in staged:
        assert path.parent.parent == library / "uploads"
        assert len(path.parent.name) == 32
    assert staged[0].read_bytes() == first.read_bytes()
    assert not list((library / "uploads").rglob("*.partial"))


def test_records_to_components(tmp_path: Path, page_png: Path):
    region = Region("table", (10, 10, 100, 100), "cells")
    hit = Hit(
        doc="a <b>.pdf",
        page=3,
        score=0.51234,
        text="The seeds of rand() are reset by rand(-1).",
        image_path=str(page_png),
        regions=[region],
        doc_id="d",
        lanes={"text": LaneRank(2, 0.4), "dse": LaneRank(1, 0.9)},
        region=region,
    )
    assert present.lanes_label(hit) == "dse #1, text #2"
    [row] = present.hit_rows([hit], "reset seeds")
    assert (
        row[:3] == [1, "a <b>.pdf", 3] and row[3].startswith("The seeds of") and row[4] == "dse #1, text #2"
    )
    listed = present.hits_html([hit], "reset seeds", show_lanes=False)
    assert "a &lt;b&gt;.pdf p.3" in listed and "<mark>seeds</mark>" in listed and "found by" not in listed
    assert "found by dse #1, text #2" in present.hits_html([hit], "x", show_lanes=True)
    explained = dataclasses.replace(
        hit, lanes={"text": LaneRank(1, 0.4, why="colour: red 31%")}, similar_pages=[4, 5]
    )
    assert present.lanes_label(explained) == "text #1 (colour: red 31%); also pages 4, 5"
    [(path, caption)] = present.hit_gallery([hit], tmp_path / "cache")
    assert Path(path).parent == tmp_path / "cache" and caption == "1. p.3"

    cite = Citation(doc="a.pdf", page=3, doc_id="d", image_path=str(page_png))
    assert present.citation_gallery([cite], tmp_path / "cache") == [(str(page_png), "[a.pdf p.3]")]
    # a label too long to show under a thumbnail keeps its page and extension, cut in the document's name
    long = dataclasses.replace(cite, doc="maxima-finance.html", page=6)
    assert (
        present.caption(long) == "[maxima-fi….html p.6]"
        and len(present.caption(long)) == present.CAPTION_CHARS
    )
    assert present.caption(dataclasses.replace(cite, doc="x" * 40, page=100)).endswith("… p.100]")

    report = AddReport(
        [
            FileOutcome("a.pdf", "/x/a.pdf", "added", 12),
            FileOutcome("<i>bad.pdf", "/x/bad.pdf", "failed", reason="the PDF is encrypted"),
        ]
    )
    rows = present.report_html(report)
    assert '<li class="pl-file pl-added">' in rows and "<b>a.pdf</b> added (12 pages)" in rows
    assert (
        '<li class="pl-file pl-failed">' in rows
        and "&lt;i&gt;bad.pdf</b> failed: the PDF is encrypted" in rows
    )
    docs = [DocumentInfo("a very long name.pdf", "d", 12, "pdf", "2026-11-23T10:00:00.123+00:00")]
    assert 'title="a very long name.pdf · 12 pages · pdf"' in present.documents_html(docs)
    assert present.library_status(docs) == "**1** document · **12** pages"
    assert present.library_status([], "Loading…").endswith("Loading…")


def test_the_library_list_says_how_far_a_visual_lane_is():
    """A document the text lane has and a visual lane has still to encode is listed as searchable, with
    the pages to go; the status line says how far the lane is while it works, nothing once it is done."""
    from pagelens.index.background import LaneProgress

    docs = [DocumentInfo("a.pdf", "d", 40, "pdf", "2026-12-06T10:00:00+00:00", queued={"clip": 12})]
    assert "visual: 12 p. to go" in present.documents_html(docs)
    working = present.library_status(docs, "", [LaneProgress("clip", 28, 40, seconds_per_page=2.0)])
    assert working == "**1** document · **40** pages\n\nvisual lane clip: 28/40 pages, about 24 s left"
    stopped = present.library_status(docs, "", [LaneProgress("clip", 28, 40, error="OSError: disk full")])
    assert stopped.endswith("visual lane clip: 28/40 pages, stopped: OSError: disk full")
    done = [DocumentInfo("a.pdf", "d", 40, "pdf", "2026-12-06T10:00:00+00:00")]
    assert present.library_status(done, "", [LaneProgress("clip", 40, 40)]) == present.library_status(done)
    assert "to go" not in present.documents_html(done)


def test_each_answer_links_and_highlights_its_own_regions_of_a_page():
    """Two answers citing two passages of one page: each link opens that page with its own answer's
    passages (both of them when one answer cites the page twice); an abstention shows no cited pages."""
    first = Citation("a.pdf", 3, "d", "/p.png", region=Region("text", (10, 10, 50, 20)))
    second = Citation("a.pdf", 3, "d", "/p.png", region=Region("text", (10, 300, 50, 320)))
    also = Citation("a.pdf", 3, "d", "/p.png", region=Region("text", (10, 400, 50, 420)))
    messages = [
        Message("user", "q1"),
        Message("assistant", "One [a.pdf p.3].", [first]),
        Message("user", "q2"),
        Message("assistant", "Two [a.pdf p.3].", [second, also]),
    ]
    shown = chats.chat_messages(messages)
    assert "(#pl-page=0/d:00003)" in shown[1]["content"] and "(#pl-page=1/d:00003)" in shown[3]["content"]
    assert chats.cited_boxes(messages) == {
        "0/d:00003": [(10, 10, 50, 20)],
        "1/d:00003": [(10, 300, 50, 320), (10, 400, 50, 420)],
    }
    abstained = [*messages, Message("user", "q3"), Message("assistant", "I could not find this.")]
    assert chats.latest_citations(abstained) == [] and chats.latest_keys(abstained) == []


def test_an_answer_shows_its_quotes_as_the_page_has_them():
    """Markup in a quoted page (`<var>`, `2*3*4`, `__init__`, a leading `#`) is escaped, and only that
    (`ffi_prep_cif (see x)` stays as written); the answerer's list lines and the citation links are kept,
    and the chat handed back by an API caller gives the text as it was."""
    cite = Citation("a_b.pdf", 12, "d", "/p.png")
    text = (
        "A summation has the form sum [<var> = <start> : <end>] <expression> [a_b.pdf p.12]\n"
        '- "#include <stdio.h> and 2*3*4" [a_b.pdf p.12]\n'
        '  - "__init__ calls ffi_prep_cif (see x)" [a_b.pdf p.12]\n'
        "# define X [a_b.pdf p.12]"
    )
    shown = chats.answer_markdown(text, [cite, Citation("c.pdf", 1, "e", "/q.png")])
    lines = shown.split("\n")
    assert (
        lines[0]
        == r"A summation has the form sum \[\<var> = \<start> : \<end>\] \<expression> [[a_b.pdf p.12]](#pl-page=0/d:00012)"
    )
    assert lines[1].startswith(r'- "#include \<stdio.h> and 2\*3\*4" [[a_b.pdf p.12]](#pl-page=0/d:00012)')
    assert lines[2].startswith(r'  - "\_\_init\_\_ calls ffi_prep_cif (see x)" [[a_b.pdf p.12]]')
    assert lines[3].startswith(r"\# define X [[a_b.pdf p.12]]")
    assert shown.endswith("Sources: [[c.pdf p.1]](#pl-page=0/e:00001)")
    [back] = chats.history_from_chat([{"role": "assistant", "content": shown}])
    assert back["content"].startswith(
        "A summation has the form sum [<var> = <start> : <end>] <expression> [["
    )
    assert '- "#include <stdio.h> and 2*3*4" [[' in back["content"]


def test_saved_messages_to_chat_and_back():
    cite = Citation(doc="a.pdf", page=3, doc_id="d", image_path="/p.png", region=Region("text", (1, 2, 3, 4)))
    other = Citation("b.pdf", 1, "e", "/q.png")
    messages = [
        Message("user", "q"),
        Message("assistant", "It is 4 [a.pdf p.3].", [cite, other], [Step("search", "Searched: four")]),
    ]
    shown = chats.chat_messages(messages)
    assert [m["role"] for m in shown] == ["user", "assistant", "assistant"]
    assert shown[1]["metadata"]["title"] == BLOCK_TITLE
    assert shown[2]["content"] == (
        "It is 4 [[a.pdf p.3]](#pl-page=0/d:00003).\n\nSources: [[b.pdf p.1]](#pl-page=0/e:00001)"
    )
    assert chats.latest_citations(messages) == [cite, other]
    assert chats.latest_keys(messages) == ["0/d:00003", "0/e:00001"]
    assert chats.cited_boxes(messages) == {"0/d:00003": [(1, 2, 3, 4)], "0/e:00001": []}
    history = [
        {"role": "user", "content": "q"},
        shown[1],
        {"role": "assistant", "content": "a"},
        {"role": "user", "content": [{"type": "text", "text": "q2"}]},
    ]
    assert chats.history_from_chat(history) == [
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": "a"},
        {"role": "user", "content": "q2"},
    ]


def test_steps_become_one_block_of_short_unique_labels():
    long_query = "operators " * 300
    steps = [
        Step("rewrite", "Follow-up rewritten (rules): what does value() return"),
        Step("search", f"Searched: {long_query}"),
        Step("search", f"Searched: {long_query}"),
        Step("read", "Page graph: 4 adjacent and 3 similar pages"),
        Step("error", "openai failed; answering extractively", "the endpoint answered with a redirect"),
    ]
    labels = step_labels(steps)
    assert labels[0] == "Read your follow-up as “what does value() return”"
    assert labels[1].startswith("Looked for “operators operators") and len(labels[1]) < 80
    assert len(labels) == 4  # the repeated search once
    assert labels[2] == "Also read the pages next to the best match, and pages like it"
    assert labels[-1] == "⚠ openai failed; answering from the pages: the endpoint answered with a redirect"
    plain = step_labels(
        [
            Step("judge", "Evidence is missing: Asymptote's, arrows"),
            Step("judge", "Evidence suffices"),
            Step("answer", "Answered citing [a.pdf p.2]"),
        ]
    )
    assert plain == [
        "The pages found so far do not mention Asymptote's or arrows",
        "Found pages that answer it",
        "Answered from [a.pdf p.2]",
    ]
    message = steps_message(steps, done=False)
    assert message["metadata"] == {"title": BLOCK_TITLE, "status": "pending"}
    assert message["content"].count("\n") == 3
    asked = steps_message([Step("search", "Searched: what does #include <stdio.h> do")])
    assert asked["content"] == "1. Looked for “what does #include \\<stdio.h> do”"  # not an HTML tag


def test_snippets_mark_the_query_terms():
    text = (
        ("Intro words here. " * 30) + "To reset the seeds call rand(-1); seeds are restored." + (" tail" * 40)
    )
    snippet = snippet_html(text, "How do I reset the seeds?")
    assert "<mark>reset</mark>" in snippet and "<mark>seeds</mark>" in snippet
    assert snippet.startswith("… ") and snippet.endswith(" …")
    assert query_terms("How do I reset the seeds of rand()?") == ["reset", "seeds", "rand"]
    assert "&lt;script&gt;" in snippet_html("<script> alert", "script")


def test_snippets_read_a_word_broken_at_a_line_end_whole():
    text = "If the server does not answer, ssh will dis-\nconnect. To disconnect at once, use the --\nkill option."
    snippet = snippet_html(text, "when does ssh disconnect")
    assert "<mark>disconnect.</mark>" in snippet and "dis-" not in snippet
    assert "--kill" in snippet


def test_viewer_state_moves_within_the_document_and_zooms():
    state = ViewerState(doc="a.pdf", page=1)
    assert state.moved(-1, 3).page == 1 and state.moved(1, 3).page == 2 and state.moved(9, 3).page == 3
    assert state.zoomed(1).zoom == 125 and state.zoomed(-1).zoom == 75 and state.zoomed(99).zoom == 300


def test_folder_uploads_keep_only_supported_files():
    names = ["a.PDF", "b.html", "style.css", "scan.png", "notes.txt", "c.jpeg", "Makefile"]
    assert [p.name for p in supported(names)] == ["a.PDF", "b.html", "scan.png", "notes.txt", "c.jpeg"]


def test_a_long_non_ascii_name_is_stored_within_the_file_system_limit(tmp_path: Path):
    """Finding 9: a 70-character non-ASCII name (over 255 bytes) crashed the whole upload batch."""
    long_name = (
        "𠮷" * 61 + ".pdf"
    )  # 248 bytes: a valid name, but not once the partial copy's dot and suffix are added
    assert 240 < len(long_name.encode()) <= 255
    dropped = tmp_path / "browser"
    dropped.mkdir()
    source = dropped / "short.pdf"
    source.write_bytes(b"%PDF-1.4 stand-in bytes")
    (dropped / long_name).write_bytes(b"%PDF-1.4 other bytes")
    name = safe_display_name(long_name)
    assert name.endswith(".pdf") and len(name.encode()) <= MAX_NAME_BYTES and name.startswith("𠮷𠮷𠮷")
    assert len(safe_display_name("Отчёт " * 40 + ".html").encode()) <= MAX_NAME_BYTES
    staged = stage_uploads([dropped / long_name, source], tmp_path / "lib", 2**20)
    assert [p.name for p in staged.files] == [name, "short.pdf"] and staged.refused == []


def test_the_upload_quota_refuses_per_file(tmp_path: Path):
    """Finding 4: uploads had no total cap."""
    dropped = tmp_path / "browser"
    dropped.mkdir()
    files = []
    for n in range(3):
        files.append(dropped / f"f{n}.pdf")
        files[-1].write_bytes(bytes([n]) * 400)
    staged = stage_uploads(files, tmp_path / "lib", 1000)
    assert [p.name for p in staged.files] == ["f0.pdf", "f1.pdf"]
    [refused] = staged.refused
    assert refused.name == "f2.pdf" and "upload space" in refused.reason and refused.path == ""


def test_example_topics_are_headings_not_table_rows():
    assert heading("Armadillo frozen 8.99", strict=True) == ""  # an OCR'd table row
    assert heading("gnu stuffed $92.50", strict=True) == ""
    assert (
        heading("59.2 Functions and Variables for finance", strict=True)
        == "Functions and Variables for finance"
    )
    assert _in_sentence("Functions and Variables for finance") == "Functions and Variables for finance"
    assert heading("Keeping the pump dry in the", strict=True) == ""  # runs on into the next line
    # one heading notion with the answer units (rag/units.py): a term line is heading-shaped, not a title
    assert (
        heading_shaped("Function: npv (rate,val)") and heading("Function: npv (rate,val)", strict=True) == ""
    )
    assert not heading_shaped("Before storing the pump, do the following:")
    assert _in_sentence("Random number generator") == "random number generator"
    assert _in_sentence("ASCII tables") == "ASCII tables"


def test_example_questions_are_real_questions_or_none():
    words = {"use", "plot", "read", "specifier", "functions"}
    assert question_about("Operator precedence", words) == "What is operator precedence?"
    assert question_about("Elliptic integrals", words) == "What are elliptic integrals?"
    assert question_about("Functions and Variables for finance", words) == (
        "What are Functions and Variables for finance?"
    )
    assert question_about("Using specifier functions", words) == "How do I use specifier functions?"
    assert question_about("Plotting data", words) == "How do I plot data?"
    assert question_about("Frobbing widgets", words) == ""  # no plain form the document uses
    assert question_about("Colin Watson", words) == ""  # a name: its words are never written in lower case
    assert question_about("Memory Resources", words | {"memory"}) == "What are Memory Resources?"
    for fragment in [
        "these markers are predefined",  # a clause
        "These markers",  # a pointing opener
        "emu stuffed",  # a table row's words
        "Default value: false",  # a label
        "Murder Assault UrbanPop Rape",  # column names
        "The example also illustrates the errorbar routines",  # a sentence
        "Tables of",  # cut short
    ]:
        assert question_about(fragment, words) == "", fragment


def test_concurrent_requests_draw_the_same_copy_safely(tmp_path: Path):
    """The app serves requests concurrently (issue 24): two searches highlighting the same region drew
    into one shared partial file, and the loser's rename failed (an error in the client's search)."""
    import threading

    page = tmp_path / "page.png"
    Image.new("RGB", (1200, 1600), "white").save(page)
    start, failures = threading.Barrier(12), []

    def draw() -> None:
        start.wait()
        try:
            assert boxed_page(page, (50, 100, 900, 700), tmp_path / "cache").is_file()
        except Exception as err:  # collected: the assertion below names them
            failures.append(repr(err))

    threads = [threading.Thread(target=draw) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert [p.suffix for p in (tmp_path / "cache").iterdir()] == [".png"]  # no partial file left
