"""Example questions for the empty chat, drawn from the library's own content (its headings).

A heading is a region of kind "title", or a text region that reads like one: a single line of a few words
starting with a capital, mostly letters, with no closing full stop and no decimal amount ("Armadillo
frozen 8.99" is a table row), and not a running header (a line seen on several pages). The examples are spread over documents (one heading per document in turn) and within a
document (its first page is often a cover, so later headings come first). Nothing depends on particular
documents.
"""

from __future__ import annotations

import re

from ..library import Library

EXAMPLE_COUNT = 3
TITLE_WORDS = (2, 9)  # a usable title has this many words (fewer: a label; more: a sentence)
PAGES_LOOKED_AT = 40  # per document: titles are read from at most this many pages
_NUMBERING = re.compile(r"^[\dIVXivx]+(\.\d+)*[.)]?\s+")
_AMOUNT = re.compile(r"[$€£]?\d*[.,]\d+%?|[$€£]\d+")  # a price or measurement: a table row, not a heading


def example_questions(library: Library, count: int = EXAMPLE_COUNT) -> list[str]:
    """Up to `count` questions such as "What does the library say about Operator precedence?"."""
    per_doc = [_titles(library, doc.name) for doc in library.documents() if doc.status == "complete"]
    chosen: list[str] = []
    while len(chosen) < count and any(per_doc):
        for titles in per_doc:
            if titles and len(chosen) < count:
                title = titles.pop(0)
                if title.lower() not in (c.lower() for c in chosen):
                    chosen.append(title)
    return [f"What do the documents say about {_in_sentence(title)}?" for title in chosen]


def _in_sentence(title: str) -> str:
    """`Random number generator` -> `random number generator`; acronyms (`ASCII tables`) and Title Case
    (`Functions and Variables for finance`) keep their case."""
    title_case = any(word[:1].isupper() for word in title.split()[1:])
    return title[0].lower() + title[1:] if len(title) > 1 and title[1].islower() and not title_case else title


def _titles(library: Library, name: str) -> list[str]:
    marked: list[str] = []  # regions the layout analysis called titles
    looks: list[str] = []  # text regions that read like headings
    pages_seen: dict[str, set[int]] = {}
    for page in library.pages(name)[:PAGES_LOOKED_AT]:
        for region in page.regions:
            title = _heading(region.text, strict=region.kind != "title")
            if title:
                (marked if region.kind == "title" else looks).append(title)
                pages_seen.setdefault(title.lower(), set()).add(page.page)
    titles = [t for t in dict.fromkeys(marked + looks) if len(pages_seen[t.lower()]) == 1]
    start = len(titles) // 3  # the cover's headings last, as a fallback
    return titles[start:] + titles[:start]


def _heading(text: str, *, strict: bool) -> str:
    """The heading in `text` without its numbering, or "" when `text` is not one."""
    if strict and "\n" in text.strip():
        return ""
    text = _NUMBERING.sub("", " ".join(text.split())).strip(" :;-–—")
    words = text.split()
    if not TITLE_WORDS[0] <= len(words) <= TITLE_WORDS[1]:
        return ""
    letters = sum(ch.isalpha() for ch in text)
    if letters < 0.75 * len(text.replace(" ", "")) or any(_AMOUNT.fullmatch(word) for word in words):
        return ""
    if strict and (
        not text[0].isupper() or text.endswith((".", ",", "?", "!")) or any(c in text for c in "()=_;,")
    ):
        return ""
    return text.rstrip(".")
