"""A real browser session: Chromium (Debian's, driven by Playwright) drops a PDF on the app, waits for it to
be ingested, asks a question and sees an answer with a cited page thumbnail; a click opens the full page.

Screenshots are kept as test artifacts: artifacts/browser-answer.png and artifacts/browser-search.png.
`make test` installs Chromium (scripts/setup.sh); without it this test is skipped with the reason.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from ui_support import gnuplot_excerpt, running_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync", "--disable-dev-shm-usage"]

# Drops a file on the upload area the way a desktop drag-and-drop does: a DataTransfer carrying a File,
# dispatched as dragenter/dragover/drop on the drop zone (Gradio reads `event.dataTransfer.files`).
DROP_FILE_JS = """
([selector, name, b64]) => {
    const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
    const file = new File([bytes], name, {type: "application/pdf"});
    const transfer = new DataTransfer();
    transfer.items.add(file);
    const zone = document.querySelector(selector);
    for (const type of ["dragenter", "dragover", "drop"]) {
        zone.dispatchEvent(new DragEvent(type, {bubbles: true, cancelable: true, dataTransfer: transfer}));
    }
}
"""


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium; make test does it)")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def small_pdf(tmp_path: Path, sample_docs: Path) -> Path:
    return gnuplot_excerpt(sample_docs, tmp_path / "gnuplot-functions.pdf")


def test_drop_a_pdf_ask_and_see_the_cited_page(browser, small_pdf: Path, tmp_path: Path):
    from playwright.sync_api import expect

    expect.set_options(timeout=120_000)
    with running_app(tmp_path / "lib") as served:
        page = browser.new_page(viewport={"width": 1500, "height": 1000})
        page.set_default_timeout(120_000)
        page.goto(served.url)
        page.wait_for_selector("#upload")

        page.evaluate(DROP_FILE_JS, ["#upload button", small_pdf.name,
                                     base64.b64encode(small_pdf.read_bytes()).decode()])
        status = page.locator("#add-status")
        status.get_by_text("added (3 pages)").wait_for()  # the progress bar names the file meanwhile
        assert "gnuplot-functions.pdf" in status.inner_text()
        expect(page.locator("#documents")).to_contain_text("gnuplot-functions.pdf")

        question = page.locator("#question textarea")
        question.fill("How do I reset both seeds of the rand() generator to their standard value?")
        question.press("Enter")
        answer = page.locator("#chat").get_by_text("[gnuplot-functions.pdf p.1]").first
        answer.wait_for()
        thumbnail = page.locator("#cited img").first
        thumbnail.wait_for(state="visible")
        page.wait_for_function("() => { const img = document.querySelector('#cited img');"
                               " return img && img.complete && img.naturalWidth > 0; }")
        assert "rand(-1)" in page.locator("#chat").inner_text()

        link = page.locator("#chat a", has_text="[gnuplot-functions.pdf p.1]").first
        opened = page.request.get(served.url.rstrip("/") + link.get_attribute("href"))
        assert opened.ok and opened.headers["content-type"] == "image/png"  # the label opens the cited page

        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / "browser-answer.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 20_000

        thumbnail.click()  # opens the full page in the gallery's preview
        preview = page.locator("#cited .preview img, #cited button.image-button img").first
        preview.wait_for(state="visible")
        src = preview.get_attribute("src")
        full = page.request.get(src if src.startswith("http") else served.url.rstrip("/") + src)
        assert full.ok and full.headers["content-type"].startswith("image/")

        page.get_by_role("tab", name="Search").click()
        page.locator("#search-query textarea").fill("operator precedence -2**2")
        page.get_by_role("button", name="Search", exact=True).click()
        expect(page.locator("#results")).to_contain_text("1. gnuplot-functions.pdf p.3")
        page.screenshot(path=str(ARTIFACTS / "browser-search.png"), full_page=True)
        page.close()



def test_add_a_folder_and_refuse_an_oversize_drop(browser, small_pdf: Path, dev_docs: Path, tmp_path: Path):
    from playwright.sync_api import expect

    expect.set_options(timeout=120_000)
    folder = tmp_path / "my-docs"
    (folder / "web").mkdir(parents=True)
    small_pdf.rename(folder / small_pdf.name)
    (folder / "web" / "combinatorics.html").write_bytes((dev_docs / "maxima-combinatorics.html").read_bytes())
    (folder / "web" / "style.css").write_text("body { color: red }")
    big = tmp_path / "big.pdf"
    big.write_bytes(b"%PDF-1.7\n" + b"0" * (2 * 1024 * 1024))

    with running_app(tmp_path / "lib", max_upload_mb=1) as served:
        page = browser.new_page(viewport={"width": 1500, "height": 1000})
        page.set_default_timeout(120_000)
        page.goto(served.url)
        page.get_by_role("button", name="Add a folder").wait_for()
        page.locator("input[type=file][webkitdirectory]").set_input_files(folder)
        status = page.locator("#add-status")
        expect(status).to_contain_text("combinatorics.html added")
        expect(status).to_contain_text("gnuplot-functions.pdf added (3 pages)")
        assert "style.css" not in status.inner_text()
        assert sorted(d.name for d in served.library.documents()) == ["combinatorics.html", "gnuplot-functions.pdf"]

        page.evaluate(DROP_FILE_JS, ["#upload button", big.name, base64.b64encode(big.read_bytes()).decode()])
        warning = page.get_by_text("exceed the maximum allowed size", exact=False).first
        expect(warning).to_be_visible()
        assert "big.pdf" in warning.inner_text()
        assert len(served.library.documents()) == 2
        page.close()
