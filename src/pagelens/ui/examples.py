"""Example questions for the empty chat, drawn from the library's own content (its pages' titles and
headings), or none: a question is asked only about a heading that reads as a topic.

A heading is a page's title, a region of kind "title", or a text region that reads like one
(`headings.heading`: a few words, mostly letters, no decimal amount), and not a running header (a line seen
on several pages).
A heading becomes a question only when it is a noun phrase ("Operator precedence" -> "What is operator
precedence?", plural heads take "are") or opens with a gerund whose plain form the document itself uses
("Using specifier functions" -> "How do I use specifier functions?"). Anything that reads as a clause or a
fragment is skipped: a verb such as is/are/has/can ("these markers are predefined"), an opening pronoun
or determiner ("These markers"), a closing participle ("emu stuffed"), a closing function word ("Tables
of"); so is a name (every word capitalised, none written in lower case anywhere in its document: a credited
author, "Colin Watson"). The examples are spread over documents (one heading per document in turn) and within a document
(its first page is often a cover, so later headings come first). Nothing depends on particular documents.
"""

from __future__ import annotations

import re

from .. import headings
from ..library import Library

EXAMPLE_COUNT = 3
PAGES_LOOKED_AT = 40  # per document: titles are read from at most this many pages
# closed-class words that make a heading a clause or a fragment rather than a topic
_FINITE = frozenset(
    "is are was were be been being am has have had do does did can could will would shall should may might "
    "must also not never only".split()
)
_OPENERS = frozenset(
    "these this those that it its they their there here we our you your he she another other some more "
    "each every all no".split()
)
_CLOSERS = frozenset("of for to in on at by with and or the a an from as into than about under".split())
_ARTICLES = frozenset("the a an".split())
_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*")


def example_questions(library: Library, count: int = EXAMPLE_COUNT) -> list[str]:
    """Up to `count` questions such as "What is operator precedence?" (maybe none)."""
    per_doc = [_titles(library, doc.name) for doc in library.documents() if doc.status == "complete"]
    chosen: list[str] = []
    while len(chosen) < count and any(per_doc):
        for titles in per_doc:
            if titles and len(chosen) < count:
                title = titles.pop(0)
                if title.lower() not in (c.lower() for c in chosen):
                    chosen.append(title)
    return chosen


def _in_sentence(title: str) -> str:
    """`Random number generator` -> `random number generator`; acronyms (`ASCII tables`) and Title Case
    (`Functions and Variables for finance`) keep their case."""
    first, _, rest = title.partition(" ")
    if first in ("A", "An", "The") and rest:
        return f"{first.lower()} {rest}"
    title_case = any(word[:1].isupper() for word in title.split()[1:])
    return title[0].lower() + title[1:] if len(title) > 1 and title[1].islower() and not title_case else title


def question_about(heading: str, words: set[str]) -> str:
    """The question a heading asks, or "" when it is no topic (see the module's rules). `words`: the words
    its document writes in lower case (a gerund's plain form must be one of them; a heading none of whose
    words is one is a name)."""
    tokens = heading.split()
    lowered = [t.lower().strip(",:;") for t in tokens]
    if any(t in _FINITE for t in lowered) or lowered[0] in _OPENERS or lowered[-1] in _CLOSERS:
        return ""
    if any(a in _ARTICLES and b not in _CLOSERS for b, a in zip(lowered, lowered[1:])):
        return ""  # "... illustrates the ...": inside a noun phrase an article follows a preposition
    if ":" in heading or not all(_WORD.fullmatch(t) or t.isupper() for t in tokens):
        return ""  # a label ("Default value: false"), digits, symbols or code, not a topic
    if any(t[1:] != t[1:].lower() and not t.isupper() for t in tokens):
        return ""  # "UrbanPop": an identifier or a table's column names
    named = [t.lower() for t in tokens if not t.isupper()]
    if all(t[:1].isupper() for t in tokens) and not any(t in words for t in named):
        return ""  # "Colin Watson": a name (a person's, a place's), which its document never writes in lower case
    if len(lowered) > 1 and lowered[-1].endswith("ed") and not tokens[-1].isupper():
        return ""  # "emu stuffed": a participle closes a fragment
    if any(len(t) > 4 and t.endswith("ly") for t in lowered[1:-1]):
        return ""  # "... currently ships ...": an adverb before a verb
    if lowered[0].endswith("ing") and len(lowered) > 1:
        verb = _plain_form(lowered[0], words)
        return f"How do I {verb} {_in_sentence(' '.join(tokens[1:]))}?" if verb else ""
    before = next((i for i, t in enumerate(lowered) if i and t in _CLOSERS - {"and", "or"}), len(lowered))
    head = lowered[before - 1]  # "Functions and Variables for finance": Variables
    plural = "and" in lowered[:before] or (
        head.endswith("s") and not head.endswith(("ss", "us", "is", "ics"))
    )
    return f"What {'are' if plural else 'is'} {_in_sentence(heading)}?"


def _plain_form(gerund: str, words: set[str]) -> str:
    """`using` -> `use`, `plotting` -> `plot`, `reading` -> `read`: the candidate the document itself uses
    as a word ("" when none is)."""
    stem = gerund[:-3]
    candidates = [stem[:-1]] if len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] not in "lsf" else []
    candidates += [stem, stem + "e"]
    return next((c for c in candidates if c in words), "")


def _titles(library: Library, name: str) -> list[str]:
    """The questions the document's headings ask, in the order they are offered."""
    marked: list[str] = []  # page titles and regions the layout analysis called titles
    looks: list[str] = []  # text regions that read like headings
    pages_seen: dict[str, set[int]] = {}
    words: set[str] = set()
    for page in library.pages(name)[:PAGES_LOOKED_AT]:
        words.update(w for w in _WORD.findall(page.text) if w.islower())
        candidates = [(page.title, True)] + [(r.text, r.kind == "title") for r in page.regions]
        for text, marked_title in candidates:
            title = headings.heading(text, strict=not marked_title) if text else ""
            if title:
                (marked if marked_title else looks).append(title)
                pages_seen.setdefault(title.lower(), set()).add(page.page)
    titles = [t for t in dict.fromkeys(marked + looks) if len(pages_seen[t.lower()]) == 1]
    start = len(titles) // 3  # the cover's headings last, as a fallback
    questions = [question_about(title, words) for title in titles[start:] + titles[:start]]
    return list(dict.fromkeys(q for q in questions if q))
