"""German compound splitting, frequency-based (Koehn & Knight 2003) on a vocabulary of known stems.

`Häufigkeitsverteilung` is split into `häufigkeit` + `verteilung` when both stems occur in the vocabulary
(the document's own words at index time), so an English question translated to `Häufigkeit` and
`Verteilung` meets the compound. Of the ways to cut a word into known parts (each at least
`MIN_PART` letters, a linking `s`/`es`/`n`/`en`/`e` dropped from a non-final part), the one with the
highest geometric mean of its parts' counts wins. Unlike Koehn & Knight, the whole word's own count does
not argue against a split: within one document a compound is often repeated more than its parts (the
heading and the text both say `Häufigkeitsverteilung`), and the word's own stem is indexed anyway, so a
split only adds terms. A modifier is split again (up to `MAX_PARTS` parts), so `Wärmeleitfähigkeit`
gives `wärme`, `leit`, `fähigkeit` when all three are known.

Why the document's own vocabulary and not a packaged splitter: the one n-gram splitter on PyPI
(`compound-split`) is GPL-3.0 and a 39 MB module; a document about a topic almost always uses the parts of
its compounds on their own somewhere, and a split that depends only on the document keeps indexing
independent of what else is in the library.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

MIN_WORD = 8  # shorter words are not split
MIN_PART = 4  # letters of a part (`Haus`, `Bahn`, `Zeit`)
MAX_PARTS = 4
_LINKS = ("", "s", "es", "n", "en", "e")


class CompoundSplitter:
    """Splits words into parts whose stems `counts` knows (stem -> how often it occurs)."""

    def __init__(self, counts: Mapping[str, int], stem: Callable[[str], str]) -> None:
        self.counts = counts
        self.stem = stem
        self._cache: dict[str, list[str]] = {}

    def parts(self, word: str) -> list[str]:
        """The parts of a lowercased word (empty when it is not split)."""
        if len(word) < MIN_WORD or not word.isalpha():
            return []
        found = self._cache.get(word)
        if found is None:
            found = self._cache[word] = self._split(word, MAX_PARTS)
        return found

    def _count(self, part: str) -> int:
        return self.counts.get(self.stem(part), 0)

    def _split(self, word: str, budget: int) -> list[str]:
        best: tuple[float, list[str]] = (0.0, [])
        for cut in range(MIN_PART, len(word) - MIN_PART + 1):
            head = word[cut:]
            head_count = self._count(head)
            if not head_count:
                continue
            left = word[:cut]
            for link in _LINKS:
                if link and not left.endswith(link):
                    continue
                modifier = left[: len(left) - len(link)] if link else left
                if len(modifier) < MIN_PART:
                    continue
                pieces = [modifier] if self._count(modifier) else []
                if not pieces and budget > 2 and len(modifier) >= MIN_WORD:
                    pieces = self._split(modifier, budget - 1)
                if not pieces:
                    continue
                counts = [self._count(p) or 1 for p in pieces] + [head_count]
                score = math.exp(sum(math.log(c) for c in counts) / len(counts))
                if score > best[0]:
                    best = (score, [*pieces, head])
                break  # the longest modifier a link leaves is enough
        return best[1]
