"""Text analysis for the BM25 side of the text lane: one function turns page text or a query into terms.

Documentation pages are full of code, so the analyser keeps code-ish tokens whole (`seq()` -> `seq`,
`.Rhistory` -> `rhistory`, `set_xlabel` -> `set_xlabel`) and also emits their parts (`set`, `xlabel`),
keeps a one-letter option or format specifier with its sign and case (`-k`, `-N`, `%M`),
splits camelCase, lowercases, drops the stop words of the text's language, applies that language's
Snowball stemmer and folds accents (`fréquence` and `frequency` both give `frequenc`; the German stemmer
already folds umlauts: `Häufigkeit` -> `haufig`). German compounds also give their parts (`compounds.py`).
Queries go through the same analyser plus a few question words ("how", "does", ...) that carry no
topic: they are stopwords only on the query side, because a page that says "how" is not about "how".

Terms carry no language tag: one vocabulary serves every language, so names, numbers, code and words
shared by two languages (`Python`, `ISO 9001`, `information`) match across languages.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

import Stemmer
import stop_words

from .language import DEFAULT, LANGUAGES

# 3: negation markers (negation.py) in the text lane; 4: per-language analysis, accents folded, compounds;
# 5: one-letter options and format specifiers (`-k`, `%M`) are terms
ANALYZER_VERSION = "5"

# A compact English stopword list (function words only; no domain words such as "value" or "file").
STOPWORDS = frozenset(
    """
a about above after again against all also am an and any are as at be because been before being below
between both but by can could did do does doing done down during each either else etc few for from
further had has have having he her here hers herself him himself his i if in into is it its itself just
let may me might more most must my myself no nor not now of off on once only or other our ours
ourselves out over own same shall she should so some such than that the their theirs them themselves
then there these they this those through thus to too under until up upon us very was we were what
when where whether which while who whom why will with within would yet you your yours yourself
""".split()
)

# Words that make a sentence a question but say nothing about its topic.
QUERY_STOPWORDS = STOPWORDS | frozenset(
    """
how get got give gives given take takes use using used want wants need needs way ways tell find show shows
something anything thing things kind sort instead actually really exactly happen happens since
""".split()
)

# Question words of the other languages (their stop word lists come from the `stop-words` package).
_QUESTION_WORDS = {
    "de": "wie welche welcher welches welchen gibt geben finde finden zeigt zeigen bitte",
    "fr": "comment quel quelle quels quelles pourquoi trouver montre montrer donne donner",
    "es": "cómo cuál cuáles qué encontrar muestra mostrar",
    "it": "come quale quali perché trovare mostra mostrare",
    "nl": "hoe welke waarom vinden toont tonen",
    "pt": "como qual quais porque encontrar mostra mostrar",
}

# Word runs with inner dots/underscores kept together (e.g. `read.table`, `set_xlabel`, `.Rhistory`), and a
# one-letter option or format specifier (`-k`, `-N`, `%M`: a dash or percent sign, one letter, no word on
# either side): its letter alone is no term, so without its sign "what does gzip -k do?" would ask nothing.
# A typeset option may carry a hyphen, minus or en dash sign (U+2010, U+2212, U+2013): all read as "-".
_DASHES = "\u2010\u2212\u2013-"  # the ASCII hyphen last: literal in a character class
_TOKEN = re.compile(
    rf"(?<![\w%{_DASHES}])[%{_DASHES}][^\W\d_](?![\w{_DASHES}])|[^\W_]+(?:[._][^\W_]+)*", re.UNICODE
)
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_PARTS = re.compile(r"[._]")


@lru_cache(maxsize=None)
def _stemmer(language: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(LANGUAGES.get(language, LANGUAGES[DEFAULT])[1])


@lru_cache(maxsize=None)
def stopwords(language: str, *, query: bool = False) -> frozenset[str]:
    """The stop words of a language (lowercased, accents kept as written): English's own compact list,
    the `stop-words` package's for the others; with `query`, question words too."""
    if language not in LANGUAGES or language == "en":
        return QUERY_STOPWORDS if query else STOPWORDS
    words = set(stop_words.get_stop_words(LANGUAGES[language][1]))
    if query:
        words |= set(_QUESTION_WORDS.get(language, "").split())
    return frozenset(words)


def fold(term: str) -> str:
    """`term` without accents (`é` -> `e`, `ß` -> `ss`): what matching compares; pages keep theirs."""
    if term.isascii():
        return term
    decomposed = unicodedata.normalize("NFKD", term.replace("ß", "ss"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def raw_words(text: str) -> list[list[str]]:
    """Lowercased terms per word: the compound token first, then its camelCase/dot/underscore parts. A
    one-letter option keeps its sign and its case (`-n` and `-N` are different options of one command)."""
    words: list[list[str]] = []
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token[0] in _DASHES or token[0] == "%":
            words.append([token if token[0] == "%" else f"-{token[1]}"])
            continue
        pieces = [p for part in _PARTS.split(token) for p in _CAMEL.split(part) if p]
        words.append([token.lower(), *(p.lower() for p in pieces)] if len(pieces) > 1 else [token.lower()])
    return words


def letter_count(text: str) -> int:
    """How many letters `text` holds (any script's): what tells a line of words from code, numbers or marks."""
    return sum(map(str.isalpha, text))


def letter_option(term: str) -> bool:
    """Whether an analysed term is a one-letter option or format specifier (`-k`, `%M`). That no page holds
    one says little: a page may write it glued to literal text ("%Mmax" in a format string) or its letter
    alone in a table of specifiers ("M  Maximum resident set size")."""
    return len(term) == 2 and term[0] in "-%"


def raw_terms(text: str) -> list[str]:
    """Lowercased terms: each compound token plus its camelCase/dot/underscore parts."""
    return [term for word in raw_words(text) for term in word]


def analyze_words(
    text: str,
    *,
    query: bool = False,
    stemmed: bool = True,
    language: str = DEFAULT,
    parts: Callable[[str], list[str]] | None = None,
) -> list[list[str]]:
    """`analyze`'s terms grouped by the word they come from (a compound's own stem first, then its parts'
    stems; words with no term left out): a query weighs one word's terms together (lanes/text/lane.py).
    `stemmed=False` keeps the lowercased words (the text lane's ablation of stemming). `language` picks the
    stop words and the stemmer; `parts` gives a word's compound parts (lowercased words, `compounds.py`),
    which follow the word itself."""
    stop = stopwords(language or DEFAULT, query=query)
    kept = [[t for t in word if t not in stop and (len(t) > 1 or t.isdigit())] for word in raw_words(text)]
    if parts is not None:
        kept = [[piece for t in word for piece in (t, *parts(t))] for word in kept]
    kept = [word for word in kept if word]
    flat = [t for word in kept for t in word]
    stems = iter(stem(flat, language) if stemmed else [fold(t) for t in flat])
    return [[next(stems) for _ in word] for word in kept]


def analyze(
    text: str,
    *,
    query: bool = False,
    language: str = DEFAULT,
    parts: Callable[[str], list[str]] | None = None,
) -> list[str]:
    """Stemmed, accent-folded index terms of `text` in `language` (query=True also drops question words)."""
    return [
        term for word in analyze_words(text, query=query, language=language, parts=parts) for term in word
    ]


def joined_words(
    text: str, known: Callable[[str], int], language: str = DEFAULT
) -> dict[str, tuple[str, ...]]:
    """The terms of two adjacent words of a question that the library writes as one ("user name" ->
    username, "file system" -> filesystem, "box plot" -> boxplot; `known`: pages holding a term), each with
    the terms of its two words: a page that writes the word whole holds neither of its halves."""
    stop = stopwords(language, query=True)
    words = [w[0] for w in raw_words(text)]
    found: dict[str, tuple[str, ...]] = {}
    for a, b in zip(words, words[1:]):
        if not (a.isalpha() and b.isalpha()) or a in stop or b in stop:
            continue
        whole = analyze(a + b, language=language)
        if len(whole) == 1 and whole[0] not in found and known(whole[0]):
            found[whole[0]] = (*analyze(a, language=language), *analyze(b, language=language))
    return found


def stem(terms: list[str], language: str = DEFAULT) -> list[str]:
    """Snowball stems of lowercased terms in `language`, accents folded."""
    return [fold(t) for t in _stemmer(language or DEFAULT).stemWords(terms)]


@dataclass
class CorpusStats:
    """Document frequencies of analysed terms over pages, for inverse-document-frequency weights: what a
    `types.Corpus` reports as its `statistics()` and the answerer weighs question terms with."""

    pages: int
    frequency: Callable[[str], int]  # pages holding an analysed term
    named: frozenset[str] = frozenset()  # terms of the documents' names ("maxima-finance.html")

    @classmethod
    def from_texts(cls, texts: Iterable[str], names: Iterable[str] = ()) -> "CorpusStats":
        df: Counter = Counter()
        count = 0
        for text in texts:
            df.update(set(analyze(text)))
            count += 1
        return cls(pages=count, frequency=df.__getitem__, named=name_terms(names))

    def mentions(self, term: str) -> bool:
        """Whether the library knows a stemmed term: a page holds it or a document's name does (a manual
        whose pages never spell out the product's name is still about it)."""
        return self.frequency(term) > 0 or term in self.named

    def idf(self, term: str) -> float:
        """BM25's idf, floored at a small positive value; a term no page holds gets the maximum."""
        n, df = self.pages, self.frequency(term)
        return max(0.05, math.log(1.0 + (n - df + 0.5) / (df + 0.5)))


def name_terms(names: Iterable[str]) -> frozenset[str]:
    """Analysed terms of document names (what `CorpusStats.named` holds)."""
    return frozenset(t for name in names for t in analyze(name))
