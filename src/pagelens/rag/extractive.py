"""The offline extractive answerer: scores the sentences (and layout regions) of the pages in hand against
the question and answers with the best ones, cited; or abstains when no page covers the question well.

Scoring is lexical and explainable: question terms (stemmed, stop words out) weighted by their corpus idf;
a sentence scores the idf-weighted share of the question it covers, in itself and together with its
neighbours (proximity), plus a bonus for question word pairs found as phrases; a page adds the share of
the question it covers anywhere and a small prior for its retrieval rank.

`confidence` is what the agent compares to `ABSTAIN_BELOW` (calibrated on ../shared/eval/dev, see
`eval/ask_eval.py` and the module note on calibration there).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..types import Citation, Region
from .evidence import EvidencePage
from .lexical import CorpusStats, question_terms, sentences, terms

# Calibration (../shared/eval/dev: 64 answerable + 3 unanswerable queries, default text lane, this module's
# scoring; measured with `pagelens eval DIR --ask`). Best-page confidences, sorted:
# unanswerable d067 0.29, d066 0.35 (d065, "best paper award at WABI 2006", scores high: the workshop is
# on a slide, only the award is missing, which lexical scoring cannot see); the lowest answerable ones
# 0.30, 0.31, 0.34 (figure/table questions whose words are not on the page), then 0.38, 0.39, 0.39.
# The threshold is the middle of the gap 0.35..0.38; the same gap (0.34..0.36/0.38) showed on a plain
# BM25 prototype, so it is not tuned to one ranking. With 3 unanswerable queries this is a rough
# calibration: expect to re-check it on a larger set.
ABSTAIN_BELOW = 0.37

PHRASE_BONUS = 0.08  # per question word pair found as a phrase in a sentence's window
PHRASE_BONUS_MAX = 0.24
RANK_PRIOR = 0.3  # page prior: RANK_PRIOR / rank for pages a search returned (the text lane ranks well)


@dataclass(frozen=True)
class Passage:
    page: EvidencePage
    text: str
    region: Region | None
    score: float  # sentence-level score (coverage + proximity + phrases)


@dataclass
class PageJudgement:
    page: EvidencePage
    coverage: float  # idf-weighted share of question terms found anywhere on the page
    best: Passage | None
    confidence: float  # what decides answerable or not

    @property
    def relevance(self) -> float:
        prior = RANK_PRIOR / self.page.rank if self.page.rank else 0.0
        return self.confidence + prior


@dataclass
class QuestionTerms:
    weights: dict[str, float]  # stemmed term -> idf
    pairs: list[tuple[str, str]]  # consecutive content terms of the question

    @property
    def total(self) -> float:
        return sum(self.weights.values())

    @classmethod
    def of(cls, question: str, stats: CorpusStats) -> "QuestionTerms":
        order = question_terms(question)
        weights = {t: stats.idf(t) for t in order}
        pairs = [(a, b) for a, b in zip(order, order[1:]) if a != b]
        return cls(weights=weights, pairs=pairs)

    def coverage(self, found: set[str]) -> float:
        total = self.total
        return sum(w for t, w in self.weights.items() if t in found) / total if total else 0.0

    def missing(self, found: set[str]) -> list[str]:
        return sorted((t for t in self.weights if t not in found), key=lambda t: -self.weights[t])


def _units(page: EvidencePage) -> list[tuple[str, Region | None]]:
    """Sentences of the page, each with the layout region it lies in (when the page has text regions)."""
    regions = [r for r in page.regions if r.text.strip()]
    if regions:
        return [(s, r) for r in regions for s in sentences(r.text)]
    return [(s, None) for s in sentences(page.text)]


def _phrase_hits(pairs: list[tuple[str, str]], seq: list[str]) -> int:
    adjacent = set(zip(seq, seq[1:]))
    return sum(1 for pair in pairs if pair in adjacent)


def judge_page(question: QuestionTerms, page: EvidencePage) -> PageJudgement:
    page_terms = set(terms(page.text))
    for region in page.regions:
        page_terms.update(terms(region.text))
    coverage = question.coverage(page_terms)
    units = _units(page)
    unit_terms = [terms(text) for text, _ in units]
    best: Passage | None = None
    for i, (text, region) in enumerate(units):
        own = set(unit_terms[i])
        window_seq = [t for j in range(max(0, i - 1), min(len(units), i + 2)) for t in unit_terms[j]]
        phrases = min(PHRASE_BONUS_MAX, PHRASE_BONUS * _phrase_hits(question.pairs, window_seq))
        score = 0.55 * question.coverage(own) + 0.45 * question.coverage(set(window_seq)) + phrases
        if best is None or score > best.score:
            best = Passage(page=page, text=text, region=region, score=score)
    confidence = 0.5 * coverage + 0.5 * (best.score if best else 0.0)
    return PageJudgement(page=page, coverage=coverage, best=best, confidence=confidence)


def rank_pages(question: QuestionTerms, pages: list[EvidencePage]) -> list[PageJudgement]:
    judged = [judge_page(question, p) for p in pages]
    return sorted(judged, key=lambda j: -j.relevance)


def quote_of(passage: Passage) -> str:
    text = passage.text.strip()
    return text if len(text) <= 400 else text[:397].rstrip() + "..."


def citation_of(judgement: PageJudgement) -> Citation:
    best = judgement.best
    return judgement.page.citation(quote=quote_of(best) if best else "", region=best.region if best else None)
