"""Number words of the languages the text lane analyses ("zwei", "vierzehn", "cinquante", "veertien"),
written out by `num2words` (LGPL-2.1, pure Python): a page in another language than the question gives a
number in words as often as in digits ("alle zwei Sekunden", "au bout de dix jours"), and the answer-type
checks look for digits or English number words. 0 and 1 are left out: in most languages they are also the
article or a pronoun ("ein", "un", "uno"). Words of several tokens ("vinte e quatro") are left out: the
answerer reads a page word by word."""

from __future__ import annotations

from functools import lru_cache

from .analysis import fold

LARGEST = 100  # every number from 2 to this, and the round ones after it
ROUND = (1000, 1_000_000)


@lru_cache(maxsize=16)
def number_words(language: str) -> dict[str, str]:
    """Lower-case, accent-folded number word -> its digits ("vierzehn" -> "14"); empty for a language that
    num2words does not write."""
    from num2words import num2words

    found: dict[str, str] = {}
    for value in (*range(2, LARGEST + 1), *ROUND):
        try:
            word = num2words(value, lang=language)
        except NotImplementedError:
            return {}
        if " " not in word:
            found.setdefault(fold(word.lower()), str(value))
    return found


def number_of(word: str, language: str) -> str:
    """The digits of a number word of `language` ("zwei" -> "2"; "Vierzehn," -> "14"), "" when it is none."""
    return number_words(language).get(fold(word.strip(".,;:!?()«»\"'„“”").lower()), "") if language else ""
