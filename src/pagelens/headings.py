"""What a heading is, in one place: a page's title, and whether a line of text reads as a heading.

A page's title is the line ingestion set in the largest font (`Page.title`, ingest/looks.py); a slide
without one (beamer-style decks often set the frame title no larger than the body) takes its first line
that is not furniture of its document (furniture.py: the navigation bar and footer that repeat across the
deck, page numbers). The text lane's title field (lanes/text/looks.py) reads titles here, the app's example
questions (ui/examples.py) read lines as headings here.

A line is shaped like a heading (`heading_shaped`) when it is short (HEADING_CHARS), does not run on into
the next line (it ends with a letter, a digit or a closing bracket or quote, and not with a word like "the"
or "of"), has a few letters and opens with a letter, a digit or `\\ @ . -`: a section title, or a reference
entry's term ("Function: npv (rate,val)", "--max-vsize"). The answerer's units (rag/units.py) take such a
line for the subject of what follows when its layout also sets it apart (larger type, numbering, the body
indented under it). A line reads as a heading title (`heading`) when it has a few words, mostly letters and
no decimal amount ("Armadillo frozen 8.99" is a table row); `strict` (for a line not marked as a title by the
layout) also asks for a single heading-shaped line starting with a capital, with no closing punctuation and
no code characters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .analysis import letter_count
from .furniture import Furniture
from .types import Page

HEADING_CHARS = 80  # a heading line is at most this long
TITLE_WORDS = (2, 9)  # a heading has this many words (fewer: a label; more: a sentence)
_NUMBERING = re.compile(r"^[\dIVXivx]+(\.\d+)*[.)]?\s+")
_AMOUNT = re.compile(r"[$€£]?\d*[.,]\d+%?|[$€£]\d+")  # a price or measurement: a table row, not a heading
_SETTING_KEYS = re.compile(r"[A-Za-z][\w.-]*=(?:,\s*[A-Za-z][\w.-]*=)*")  # "Storage=", "A=, B="
# Words a heading does not end with: a line ending with one runs on into the next ("An alternative is").
_OPEN_ENDINGS = frozenset("a an the of to and or for with by in on at as is are be from that which".split())


def page_titles(pages: Sequence[Page]) -> list[str]:
    """Each page's title ("" when it has none), for all pages of one document in order."""
    furniture: Furniture | None = None
    titles = []
    for page in pages:
        title = page.title
        if not title and page.is_slide:
            furniture = furniture or Furniture.of(pages)
            title = next(
                (
                    line.strip()
                    for line in page.text.splitlines()
                    if line.strip() and not furniture.covers(line)
                ),
                "",
            )
        titles.append(title)
    return titles


def heading_shaped(line: str) -> bool:
    """Whether one line is shaped like a heading or a term (module doc)."""
    line = line.strip()
    if not line or len(line) > HEADING_CHARS:
        return False
    return (
        (line[-1].isalnum() or line[-1] in ")]\"'”’")  # not a run-on: "... ,", "... \\"
        and line.split()[-1].lower() not in _OPEN_ENDINGS
        and letter_count(line) >= 3
        and (line[0].isalnum() or line[0] in "\\@.-")
    )


def term_shaped(line: str) -> bool:
    """Whether one line is shaped like a heading or a term, a setting's key among them: one or more names
    each followed by "=" ("Persistent=", "RateLimitIntervalSec=, RateLimitBurst="), as a reference of
    settings heads each setting's description. The answerer's units read terms so; ingest's title regions
    (`title_line`) keep to `heading_shaped`."""
    return heading_shaped(line) or setting_keys(line)


def setting_keys(text: str) -> bool:
    """Whether a text is one or more settings' keys, each followed by "=" ("Storage=", "A=, B=")."""
    return bool(_SETTING_KEYS.fullmatch(" ".join(text.split())))


def title_line(line: str) -> bool:
    """Whether a line set apart by its type (bold, larger) can be a heading: shaped like one, with letters
    for at least half of its characters after its numbering and no decimal amount ("8.12 binarytree" can,
    "Method A: 79.98 81.20" is a row of data, "(2.5)" an equation's number)."""
    if not heading_shaped(line):
        return False
    text = _NUMBERING.sub("", " ".join(line.split()))
    letters = letter_count(text)
    return 2 * letters >= len(text.replace(" ", "")) and not any(_AMOUNT.fullmatch(w) for w in text.split())


def heading(text: str, *, strict: bool) -> str:
    """The heading in `text` without its numbering, or "" when `text` is not one."""
    if strict and "\n" in text.strip():
        return ""
    text = _NUMBERING.sub("", " ".join(text.split())).strip(" :;-–—")
    words = text.split()
    if not TITLE_WORDS[0] <= len(words) <= TITLE_WORDS[1]:
        return ""
    letters = letter_count(text)
    if letters < 0.75 * len(text.replace(" ", "")) or any(_AMOUNT.fullmatch(word) for word in words):
        return ""
    if strict and (not text[0].isupper() or not heading_shaped(text) or any(c in text for c in "()=_;,")):
        return ""
    return text.rstrip(".")
