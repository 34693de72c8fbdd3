"""Driving the app in a real browser: Debian's Chromium through Playwright (its own browsers cannot be
downloaded here), screenshots into artifacts/, and drag-and-drop of files onto the drop area.

`browser` is a fixture (conftest.py registers it); without Chromium or Playwright the tests that use it are
skipped with the reason.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}

# Drops files on the upload area the way a desktop drag-and-drop does: a DataTransfer carrying Files,
# dispatched as dragenter/dragover/drop on the drop zone (Gradio reads `event.dataTransfer.files`).
DROP_FILES_JS = """
([selector, files]) => {
    const transfer = new DataTransfer();
    for (const [name, b64] of files) {
        const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
        transfer.items.add(new File([bytes], name, {type: "application/pdf"}));
    }
    const zone = document.querySelector(selector);
    for (const type of ["dragenter", "dragover", "drop"]) {
        zone.dispatchEvent(new DragEvent(type, {bubbles: true, cancelable: true, dataTransfer: transfer}));
    }
}
"""


def drop(page, *paths: Path) -> None:
    files = [[p.name, base64.b64encode(p.read_bytes()).decode()] for p in paths]
    page.wait_for_selector("#upload button")  # the drop area is drawn again after each drop
    page.evaluate(DROP_FILES_JS, ["#upload button", files])


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000
    return path


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module. Not per session: Playwright's sync API keeps an asyncio loop running
    in the main thread until it stops, and a later module's `asyncio.run` (the MCP tests) then fails with
    'asyncio.run() cannot be called from a running event loop'."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium; make test does it)")
    playwright_api.expect.set_options(timeout=120_000)
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def open_app(browser, served, viewport=DESKTOP, **options):
    page = browser.new_page(viewport=viewport, **options)
    page.set_default_timeout(120_000)
    page.goto(served.url)
    page.wait_for_selector("#question textarea:enabled")  # the page's load has shown its chat
    return page


def ask(page, question: str) -> None:
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")


def settled(page) -> None:
    """Wait until the page's events have ended: Gradio marks each output's status tracker `generating`
    while a stream runs and shows a progress text while it is queued. A test types into a box after this
    unless it means to type mid-stream: Playwright types within milliseconds of an update that may still be
    landing in that box, which a person cannot."""
    from playwright.sync_api import expect

    expect(page.locator(".wrap.generating, .progress-text")).to_have_count(0)
