"""A page's languages, set once before the page reaches the catalog and the lanes (`language.py` detects)."""

from __future__ import annotations

from dataclasses import replace

from ..language import page_languages
from ..types import Page


def tagged(page: Page) -> Page:
    """The page with its language and its regions' languages set (detected when the page has none yet:
    pages stored before languages were detected, read back from an old catalog)."""
    if page.language:
        return page
    found = page_languages(page.text, [r.text for r in page.regions])
    page.language = found.page
    page.regions = [replace(r, language=code) for r, code in zip(page.regions, found.regions)]
    return page
