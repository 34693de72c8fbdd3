"""Query translation without a network: a question's content words, expanded into the library's other
languages with bilingual dictionaries (`bilingual.py`), as extra BM25 terms of lower weight.

- Which words: the question's words that are not stop words, numbers, code (`read.table`, `set_xlabel`,
  `f()`), all-caps abbreviations or (outside German, where every noun is capitalised) capitalised names
  inside a sentence: those pass through unchanged, as they are written the same in every language. Two
  adjacent content words (nothing between them) are looked up as a pair too (`frequency distribution` ->
  `Häufigkeitsverteilung`), and each word alone.
- A German word of the question that the dictionary lacks is split into parts it has (compounds.py, on
  the dictionary's headwords: "Zeiteinheit" -> "zeit" + "einheit"), each translated as a word ("time",
  "unit").
- Into which languages: only those of the library's pages (the searched documents' when a search is
  scoped), other than the question's own.
- Weights: a word's translations share its senses. A translation given by `s` of the word's `n` senses
  weighs `weight * (s / n) ** sense_exponent`, so a word with one sense passes its full weight and a
  word with sixty senses spreads it thin; each of its target-language terms takes the highest weight
  any translation gives it.
- Respelled: a word written alike in both languages (a name, a command, a path, a shared word) is
  stemmed by each page's own language, and the stemmers cut it differently (`fuser` and `home` are `fus`
  and `hom` on a French page, `code` is `cod` on a German one), so the question's own words, stemmed as
  a page of each target language indexes them, are alternatives of the question's terms: a page without
  the question's own term scores that form at `respelled_weight` of its BM25, and a page holding both
  counts the word once (`Snapshot.counted_once`). At weight 1 (the same word), eval/xl's nDCG@5 rose
  0.771 -> 0.823 (0.3-0.85: 0.797-0.813; 1.3 costs dev2's tables); added as one more translated term
  instead of counted once: 0.786.
- Without a dictionary for a pair, the note says which package installs one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache

from ...analysis import analyze, raw_terms, raw_words, stem, stopwords
from ...bilingual import Dictionary, missing_note
from ...compounds import CompoundSplitter
from ...language import name

_CODE = re.compile(r"[._()\[\]{}=/\\]|\d")
_WORD = re.compile(r"\S+")


@dataclass
class Expansion:
    """The extra weighted terms of a question, what it was translated with, and what could not be."""

    terms: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # (a question's term, the word as a page of another language stems it): counted once (bm25_index.py)
    respelled: list[tuple[str, str]] = field(default_factory=list)

    def merge(self, terms: dict[str, float]) -> None:
        for term, weight in terms.items():
            self.terms[term] = max(self.terms.get(term, 0.0), weight)


def content_words(text: str, language: str) -> list[tuple[int, str]]:
    """The question's words worth translating, lowercased, with their positions (names, numbers and code
    left out)."""
    stop = stopwords(language, query=True)
    words: list[tuple[int, str]] = []
    for position, match in enumerate(_WORD.finditer(text)):
        token = match.group().strip(".,;:!?\"'«»„“”()")
        if not token or _CODE.search(token) or (token.isupper() and len(token) > 1):
            continue
        sentence_start = position == 0 or text[: match.start()].rstrip().endswith((".", "?", "!", ":"))
        if language != "de" and token[0].isupper() and not sentence_start:
            continue  # a name inside the sentence
        for term in raw_terms(token):
            if term.isalpha() and len(term) > 2 and term not in stop:
                words.append((position, term))
    return words


def expand(
    text: str,
    source: str,
    targets: Sequence[str],
    dictionary: Callable[[str, str], Dictionary | None],
    *,
    weight: float,
    sense_exponent: float,
    max_terms: int,
    respell: bool = False,
    compounds: bool = False,
) -> Expansion:
    """Weighted terms of `text` (in `source`) translated into each of `targets`, with `respell` its own
    words as each target language stems them, and with `compounds` the parts of a German word the
    dictionary lacks translated (the parameters are the text lane's `translation_*`, see the module's
    docstring). A question's words are split; a German passage glossed for the answerer
    (extractive.glosser) is not: split, eval/xl lost an answer and the answerer took 25% longer."""
    expansion = Expansion()
    if respell:
        forms = (pair for target in targets if target != source for pair in respelled(text, source, target))
        expansion.respelled = list(dict.fromkeys(forms))
    stems, pairs = _lookup_keys(text, source)
    if not stems:
        return expansion
    for target in targets:
        if target == source:
            continue
        found = dictionary(source, target)
        if found is None:
            expansion.notes.append(missing_note(source, target))
            continue
        senses = found.lookup(sorted(set(stems) | set(pairs)))
        shown: list[str] = []
        for key in dict.fromkeys(pairs + stems):
            if key in senses:
                terms = _weighted(senses[key], target, weight, sense_exponent, max_terms)
                expansion.merge(terms)
                shown.append(f"{key} → {', '.join(list(terms)[:3])}")
        for word, parts in _compound_parts(text, source, senses, found) if compounds else []:
            part_senses = found.lookup([key for _, key in parts])
            for part, key in parts:
                terms = _weighted(part_senses[key], target, weight, sense_exponent, max_terms)
                expansion.merge(terms)
                shown.append(f"{word} ({part}) → {', '.join(list(terms)[:3])}")
        expansion.notes.append(
            f"translated into {name(target)}: {'; '.join(shown)}"
            if shown
            else f"no word of the question is in the {name(source)}–{name(target)} dictionary"
        )
    return expansion


def respelled(text: str, source: str, target: str) -> list[tuple[str, str]]:
    """Each word of `text` (in `source`) that is a stop word in neither language, as `source` stems it and
    as a page in `target` indexes it, where the two differ (a compound token, `sources.list.d`, whole)."""
    skip = stopwords(source, query=True) | stopwords(target)
    words = [w for w, *_ in raw_words(text) if w not in skip and (len(w) > 1 or w.isdigit())]
    pairs = zip(stem(words, source), stem(words, target))
    return list(dict.fromkeys((own, there) for own, there in pairs if own != there))


def translations(
    text: str,
    source: str,
    target: str,
    dictionary: Callable[[str, str], Dictionary | None],
    *,
    max_terms: int,
    every: bool = False,
) -> dict[str, frozenset[str]]:
    """Each content word's stem of `text` (in `source`) -> the terms of its translations into `target`
    (analysed in `target`, the `max_terms` its senses give most often; with `every`, also each `mutual`
    one); empty without a dictionary. The answerer reads a page in `target` with it: a page term among a
    question word's translations stands for that word ("sendende" for "send", which the German-English
    direction glosses as "broadcast")."""
    stems, _ = _lookup_keys(text, source)
    found = dictionary(source, target) if stems and target != source else None
    if found is None:
        return {}
    senses = found.lookup(sorted(set(stems)))
    back = dictionary(target, source) if every else None
    return {
        key: frozenset(_weighted(senses[key], target, 1.0, 1.0, max_terms))
        | mutual(key, senses[key], target, back)
        for key in dict.fromkeys(stems)
        if key in senses
    }


def mutual(key: str, senses: list[list[str]], target: str, back: Dictionary | None) -> frozenset[str]:
    """The one-word translations of a word (its stem `key`, its `senses` into `target`) that the other
    direction (`back`) translates into that word again by one of their senses, however rare: German
    "Vorgabe" for "default" (the sixth of "default"'s 21 senses; the most given are "Ausfall",
    "Voreinstellung", "uneinbringbar"), which German-English translates as "default" in its fifth of 18.
    Many: a big dictionary pairs a word with the words of all its senses ("default" and "Schuldner", which
    translates back as "defaulter"; 22 German words for "default"), so only what reads a page for one
    meaning uses them (the answer-kind checks: a default near the subject), not what weighs a passage."""
    if back is None:
        return frozenset()
    analysed = (analyze(translation, language=target) for sense in senses for translation in sense)
    candidates = sorted({found[0] for found in analysed if len(found) == 1})
    returned = back.lookup(candidates)
    return frozenset(
        term
        for term in candidates
        if any(
            analyze(translation, language=back.target) == [key]
            for sense in returned.get(term, [])
            for translation in sense
        )
    )


@lru_cache(maxsize=65536)
def cognate(a: str, b: str, *, shortest: int = 5, ratio: float = 0.8) -> bool:
    """Whether two stems of different languages are spelled alike enough to be one word borrowed or
    inherited by both ("default" and French "defaut", "interv" and German "intervall", "process" and French
    "processus"; accents are folded already): both at least `shortest` letters, and one begins with the
    other or their similarity (difflib's ratio: twice the matched letters over both lengths) reaches
    `ratio`. False friends pass ("actual", French "actuel": current); a dictionary does not know "par
    défaut", and a reader of both languages sees the likeness."""
    if a == b:
        return True
    if min(len(a), len(b)) < shortest or not (a.isalpha() and b.isalpha()):
        return False
    return a.startswith(b) or b.startswith(a) or SequenceMatcher(None, a, b).ratio() >= ratio


class _Headwords(dict):
    """Stem -> 1 where the dictionary has senses for it, looked up as compounds.py asks: the counts it weighs
    a split's parts by, every headword counting once."""

    def __init__(self, found: Dictionary) -> None:
        super().__init__()
        self.found = found

    def get(self, key: str, default: int = 0) -> int:
        if key not in self:
            self[key] = int(bool(self.found.lookup([key])))
        return self[key] or default


def _compound_parts(
    text: str, source: str, senses: Mapping[str, object], found: Dictionary
) -> list[tuple[str, list[tuple[str, str]]]]:
    """The German words of `text` the dictionary lacks (no sense under their stem) that split into parts it
    has (compounds.py, on the dictionary's headwords instead of a document's words: "Zeiteinheit" ->
    "zeit" + "einheit", looked up as "time" and "unit"), each with its parts and their stems."""
    if source != "de":
        return []
    splitter = CompoundSplitter(_Headwords(found), lambda word: stem([word], source)[0])
    out = []
    for _, word in content_words(text, source):
        if stem([word], source)[0] not in senses and (parts := splitter.parts(word)):
            out.append((word, list(zip(parts, stem(parts, source)))))
    return out


def _lookup_keys(text: str, source: str) -> tuple[list[str], list[str]]:
    """The stems of `text`'s content words, in order, and each two adjacent ones (nothing between them in
    the text) as one key: a dictionary entry may be a pair ("frequency distribution")."""
    words = content_words(text, source)
    if not words:
        return [], []
    stems = stem([word for _, word in words], source)
    at = [position for position, _ in words]
    return stems, [f"{a} {b}" for a, b, i, j in zip(stems, stems[1:], at, at[1:]) if j == i + 1]


def _weighted(
    senses: list[list[str]], target: str, weight: float, exponent: float, max_terms: int
) -> dict[str, float]:
    """Target-language terms of one word's senses, heaviest first (see the module's docstring)."""
    given: dict[str, int] = {}
    for sense in senses:
        for term in {t for translation in sense for t in analyze(translation, language=target)}:
            given[term] = given.get(term, 0) + 1
    weights = {term: weight * (count / len(senses)) ** exponent for term, count in given.items()}
    ranked = sorted(weights.items(), key=lambda item: (-item[1], item[0]))[:max_terms]
    return dict(ranked)
