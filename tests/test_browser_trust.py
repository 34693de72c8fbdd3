"""What makes a newcomer trust the app at first sight (issue 21), in a real browser against the real server:
each answer highlights its own passage, uploads show live rows under one bar, search says when nothing
matches, example questions are questions, messages speak the user's terms, abstentions are plain and clear
the viewer, user messages show as typed.

Screenshots at 1440x900 and 390x844 land in artifacts/ (upload in progress, a scoped no-match, a two-turn
chat).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser_support import DESKTOP, PHONE, ask, drop, open_app, settled, shot
from library_helpers import pdf_parts
from ui_support import running_app, two_documents

from pagelens.types import Answer, Citation
from pagelens.ui.thumbnails import PADDING_SHARE
from pagelens.ui.uploads import stage_uploads

pytestmark = [pytest.mark.browser, pytest.mark.slow]

GNUPLOT = "gnuplot functions.pdf"
FINANCE = "maxima finance.html"
QUESTION = "How do I reset both seeds of the rand() generator to their standard value?"
FOLLOW_UP = "What does value() return for a name that is not a defined variable?"
VIEWPORTS = {"1440x900": DESKTOP, "390x844": PHONE}

# Records, in the page, every value the upload bar takes and every row state seen (for the assertions
# after the upload: the bar never went back, rows were there while it ran).
WATCH_UPLOADS_JS = """
() => {
    window.plBar = []; window.plRows = [];
    new MutationObserver(() => {
        const bar = document.querySelector('#add-status progress');
        if (bar) window.plBar.push(Number(bar.value));
        const rows = [...document.querySelectorAll('#add-status .pl-file')].map(r => r.className).join(' ');
        if (rows) window.plRows.push(rows);
    }).observe(document.querySelector('#add-status'), {childList: true, subtree: true, attributes: true});
}
"""


@pytest.fixture(scope="module")
def documents(tmp_path_factory, sample_docs: Path) -> dict[str, Path]:
    return two_documents(tmp_path_factory.mktemp("docs"), sample_docs, FINANCE)


@pytest.fixture(scope="module")
def served(tmp_path_factory, documents):
    root = tmp_path_factory.mktemp("app") / "lib"
    with running_app(root) as served:
        staged = stage_uploads([documents["gnuplot"], documents["finance"]], root, 2**30).files
        assert served.library.add(staged, progress=False).ok
        yield served


def overlay_tops(page) -> list[float]:
    """The highlighted regions' top edges in the viewer, in percent of the page."""
    styles = page.locator("#viewer .pl-highlight").evaluate_all("els => els.map(e => e.style.top)")
    return sorted(float(style.rstrip("%")) for style in styles)


def test_each_answer_highlights_its_own_passage_of_one_page(browser, served):
    """Two answers citing two different passages of page 1: each answer's link highlights its own."""
    from playwright.sync_api import expect

    library = served.library
    [doc] = [d for d in library.documents() if d.name == GNUPLOT]
    page_one = library.pages(GNUPLOT)[0]
    regions = sorted((r for r in page_one.regions if r.text.strip()), key=lambda r: r.box[1])
    upper, lower = regions[0], regions[-1]
    assert lower.box[1] - upper.box[1] > page_one.height / 4  # far apart on the page
    store = library.conversations()
    chat = store.create()
    for question, region in (("first passage?", upper), ("second passage?", lower)):
        cite = Citation(GNUPLOT, 1, doc.doc_id, page_one.image_path, region=region, quote=region.text[:40])
        store.record(chat.id, question, Answer(f"It is here [{GNUPLOT} p.1].", [cite], [], True))

    page = open_app(browser, served)
    page.locator("#chats label", has_text="first passage?").first.click()
    links = page.locator("#chat a", has_text=f"[{GNUPLOT} p.1]")
    expect(links).to_have_count(2)
    pad = max(page_one.width, page_one.height) * PADDING_SHARE  # the viewer grows a highlight by this
    expected = [100 * max(0.0, r.box[1] - pad) / page_one.height for r in (upper, lower)]
    for link, top in zip([links.nth(0), links.nth(1)], expected):
        link.click()
        expect(page.locator("#viewer .pl-highlight")).to_have_count(1)
        page.wait_for_function(
            f"() => Math.abs(parseFloat(document.querySelector('#viewer .pl-highlight').style.top) - {top}) < 0.5"
        )
    page.locator("#cited .thumbnail-item").first.click()  # the last answer's cited page: its own passage
    page.wait_for_function(
        f"() => Math.abs(parseFloat(document.querySelector('#viewer .pl-highlight').style.top) - {expected[1]}) < 0.5"
    )
    store.delete(chat.id)
    page.close()


@pytest.mark.parametrize("size", VIEWPORTS)
def test_uploads_show_a_row_per_file_at_once_and_one_bar_that_never_goes_back(
    browser, served, size, tmp_path: Path, dev_docs: Path
):
    from playwright.sync_api import expect

    viewport = VIEWPORTS[size]
    long_name = f"a rather long file name that must stay readable {size}.pdf"
    files = pdf_parts(
        dev_docs / "r-intro.pdf",
        tmp_path,
        {long_name: range(0, 24), f"short {size}.pdf": range(30, 31), f"middle {size}.pdf": range(40, 46)},
    )
    page = open_app(browser, served, viewport=viewport, **({"is_mobile": True} if viewport is PHONE else {}))
    page.wait_for_selector("#add-status", state="attached")
    page.evaluate(WATCH_UPLOADS_JS)
    try:
        drop(page, *files)
        status = page.locator("#add-status")
        expect(status.locator(".pl-file")).to_have_count(3)  # every file has its row before it is done
        # on a quiet machine the 31 pages may all be read before this line runs: the rows' history (plRows,
        # below) shows that they were queued or read first, whatever this moment shows
        status.scroll_into_view_if_needed()
        box, docs = status.bounding_box(), page.locator("#documents").bounding_box()
        assert (
            box["y"] + box["height"] <= docs["y"] + 1 or docs["y"] + docs["height"] <= box["y"] + 1
        )  # no overlap
        assert status.locator(".pl-file b", has_text=long_name).count() == 1  # the whole name, not "r.pdf"
        shot(page, f"app-upload-progress-{size}.png")
        expect(status).to_contain_text("Done: 3 added", timeout=300_000)
        expect(status.locator(".pl-added", has_text=f"short {size}.pdf")).to_contain_text("added (1 page)")
        bar = page.evaluate("window.plBar")
        assert len(bar) >= 3 and bar == sorted(bar) and bar[-1] == 1000  # one bar, never backwards, full
        assert any("pl-queued" in rows or "pl-reading" in rows for rows in page.evaluate("window.plRows"))
    finally:  # the module's other tests count the library's documents
        for path in files:
            served.library.remove(path.name)
        page.close()


def test_a_known_file_says_where_it_already_is_and_a_name_clash_names_the_checkbox(
    browser, served, documents, tmp_path: Path, sample_docs: Path
):
    from playwright.sync_api import expect

    page = open_app(browser, served)
    twin = tmp_path / "same bytes, new name.pdf"
    twin.write_bytes(documents["gnuplot"].read_bytes())
    drop(page, twin)
    row = page.locator("#add-status .pl-unchanged")
    expect(row).to_contain_text(f"already in the library as {GNUPLOT} (3 pages)")
    assert twin.name not in [d.name for d in served.library.documents()]
    shot(page, "app-known-file-1440x900.png")

    [other] = pdf_parts(sample_docs / "gnuplot-expressions.pdf", tmp_path, {GNUPLOT: range(0, 1)})
    drop(page, other)
    added = page.locator("#add-status .pl-added")
    expect(added).to_contain_text("Replace documents with the same name")
    assert "replace=True" not in added.inner_text()
    expect(added).to_contain_text(f"as {GNUPLOT.replace('.pdf', ' (2).pdf')}")
    assert served.library.remove(GNUPLOT.replace(".pdf", " (2).pdf"))
    page.close()


@pytest.mark.parametrize("size", VIEWPORTS)
def test_search_says_no_page_matches_and_why(browser, served, size):
    from playwright.sync_api import expect

    viewport = VIEWPORTS[size]
    page = open_app(browser, served, viewport=viewport, **({"is_mobile": True} if viewport is PHONE else {}))
    page.get_by_role("tab", name="Search").click()
    query = "operator precedence exponentiation"  # gnuplot's page 3; no word of it on the finance page
    box = page.locator("#search-query textarea")
    box.fill(query)
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("#hits .pl-hit").first).to_be_visible()  # found in the whole library
    scope = page.locator("#search-scope input")
    scope.click()
    page.get_by_role("option", name=FINANCE).click()
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Search", exact=True).click()
    status = page.locator("#search-status")
    expect(status).to_contain_text(f"No page matches “{query}” in the 1 chosen document")
    expect(status).to_contain_text("none of its words appear there")
    expect(page.locator("#hits .pl-hit")).to_have_count(0)
    shot(page, f"app-search-no-match-{size}.png")
    page.close()


def test_example_questions_are_questions_from_the_headings(browser, served):
    from playwright.sync_api import expect

    page = open_app(browser, served)
    page.locator("#new-chat").click()
    examples = page.locator("#examples button:visible")
    expect(examples.first).to_be_visible()
    text = " ".join(p.text for d in served.library.documents() for p in served.library.pages(d.name)).lower()
    for question in examples.all_inner_texts():
        found = re.fullmatch(r"(What (?:is|are)|How do I \w+) (.+)\?", question)
        assert found and not question.startswith("What do the documents say"), question
        assert found.group(2).lower() in text, question  # the heading, as the page has it
    page.close()


def test_the_library_list_has_a_heading_and_the_drop_area_names_every_type(browser, served):
    from playwright.sync_api import expect

    from pagelens.ui.uploads import supported_types  # (new with this test: the page lists them all)

    page = open_app(browser, served)
    expect(page.locator("#documents h3")).to_have_text("Your documents (2)")
    types = page.locator("#drop-types").inner_text()
    assert all(name in types for name in supported_types()) and "Markdown" in types and "DOCX" in types
    page.close()


@pytest.mark.parametrize("size", VIEWPORTS)
def test_a_two_turn_chat_then_an_abstention_in_plain_words(browser, served, size):
    from playwright.sync_api import expect

    viewport = VIEWPORTS[size]
    page = open_app(browser, served, viewport=viewport, **({"is_mobile": True} if viewport is PHONE else {}))
    page.locator("#new-chat").click()
    chat = page.locator("#chat")
    ask(page, QUESTION)
    expect(chat.locator("a", has_text=f"[{GNUPLOT} p.1]").first).to_be_visible()
    settled(page)  # the answer's stream has ended: a follow-up typed while it lands was lost (its Enter)
    ask(page, FOLLOW_UP)
    expect(chat.locator("a", has_text=f"[{GNUPLOT} p.2]").first).to_be_visible()
    expect(page.locator("#viewer")).to_contain_text("page 2 of 3")
    chat.scroll_into_view_if_needed()
    shot(page, f"app-two-turns-{size}.png")

    settled(page)
    ask(page, "In gnuplot, what does 2*3*4 print in the *terminal* window of Antarctica's penguin colony?")
    expect(chat).to_contain_text("does not answer", timeout=120_000)
    user = chat.locator('[data-testid="user"]').last
    expect(user).to_contain_text("2*3*4 print in the *terminal* window")  # as typed, no italics
    assert user.locator("em").count() == 0
    expect(page.locator("#viewer .pl-viewer-empty")).to_be_visible()  # no earlier page left as a source
    expect(page.locator("#cited .thumbnail-item")).to_have_count(0)
    steps = chat.get_by_text("How I found this").last
    steps.click()
    words = chat.inner_text()
    for jargon in ("Page graph", "Evidence is missing", "Evidence suffices", "confidence", "extractively"):
        assert jargon not in words
    page.close()
