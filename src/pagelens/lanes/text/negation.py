"""Negation markers for the text lane's BM25: "no perfect phylogeny is possible" meets "impossible".

A page and a query often say the same negative fact in two ways, a separate negator ("not available",
"no ... is possible") or a negative prefix ("unavailable", "impossible"); stemming keeps the two apart and
dropping the prefix would lose the polarity ("possible" pages are not the answer to "impossible"). So both
sides get extra terms `not_<stem>`:
- page and query: the first NEGATION_SCOPE content words after a negator (`NEGATORS`), within its clause;
- query only: a word with a negative prefix (`NEGATIVE_PREFIXES`) whose rest is an antonym of it.

A prefix is negative only for some words ("impossible", not "information" or "interval"), and there is no
dictionary offline, so the rest must be a whole word of wordllama's vocabulary and its wordllama vector
must be near the word's (cosine >= ANTONYM_COSINE). Measured on a word list written for this, not on dev
queries: true antonyms 0.30 (insufficient) to 0.81 (illegal), impossible 0.33, unsupported 0.71;
non-antonyms with a whole-word rest at most 0.20 (information/formation), most others are not whole words
("troduction", "terval"). Query-side only: a page's vocabulary is not checked word by word at index time.

Cost: a few extra terms per negation on a page; in a query, one tokenizer call per prefixed word and one
wordllama embed of the candidates (well under 1 ms).
"""

from __future__ import annotations

import re

import numpy as np

from ...analysis import QUERY_STOPWORDS, STOPWORDS, raw_terms, stem
from .wordllama import load_wordllama

NEGATORS = frozenset({"no", "not", "never", "cannot", "nor"})
NEGATION_SCOPE = 3  # content words after a negator that it governs
NEGATIVE_PREFIXES = ("non", "im", "in", "un", "il", "ir", "dis")
MIN_REST = 5  # letters left after the prefix ("index", "until" are never split)
ANTONYM_COSINE = 0.25
MARK = "not_"
_CLAUSE = re.compile(r"[.!?;:,](?:\s|$)|\n")
_NEGATOR = re.compile(r"\b(?:%s)\b" % "|".join(sorted(NEGATORS)), re.IGNORECASE)  # clauses worth a look


def negation_markers(text: str, *, query: bool = False) -> list[str]:
    """`not_<stem>` terms of `text`: words a negator governs and (query=True) antonyms of prefixed words."""
    governed: list[str] = []
    prefixed: list[tuple[str, str]] = []
    stop = QUERY_STOPWORDS if query else STOPWORDS
    for clause in _CLAUSE.split(text):
        negated = _NEGATOR.search(clause) is not None  # a negator as a word, not a part of `not_found`
        if not negated and not query:
            continue
        left = 0
        for term in raw_terms(clause):
            if negated and term in NEGATORS:
                left = NEGATION_SCOPE
            elif term in stop or len(term) < 2:
                continue
            elif left:
                governed.append(term)
                left -= 1
            elif query:
                prefixed.extend(
                    (term, term[len(p) :])
                    for p in NEGATIVE_PREFIXES
                    if term.startswith(p) and len(term) - len(p) >= MIN_REST
                )
    return [MARK + t for t in stem(governed + _antonym_rests(prefixed))]


def _antonym_rests(candidates: list[tuple[str, str]]) -> list[str]:
    """The rests (word minus prefix) that are whole wordllama words near their word's meaning."""
    if not candidates:
        return []
    model = load_wordllama()
    whole = [
        (word, rest)
        for word, rest in candidates
        if len(model.tokenizer.encode(rest, add_special_tokens=False).ids) == 1
    ]
    if not whole:
        return []
    words = model.embed([word for word, _ in whole], norm=True)
    rests = model.embed([rest for _, rest in whole], norm=True)
    near = np.sum(np.asarray(words) * np.asarray(rests), axis=1) >= ANTONYM_COSINE
    return [rest for (_, rest), keep in zip(whole, near.tolist()) if keep]
