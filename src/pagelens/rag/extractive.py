"""The offline extractive answerer: scores candidate passages of the pages in hand against the question and
answers with the best ones, cited and boxed; or abstains when no page covers the question well.

Candidates (`page_units`): the sentences and list items of a page's text regions, the lines of its tables
(each with the table's first line, its header), and its OCR lines joined back into sentences; page
furniture (furniture.py) is never a candidate. Each candidate is scored by
- coverage: the idf-weighted share of the question's analysed terms it holds, alone and with its
  neighbours (the proximity of those terms),
- phrases: question word pairs found next to each other,
- similarity: wordllama cosine between question and candidate (catches paraphrases),
- region kind: a title or caption restates a topic more often than it answers, and
- position: earlier candidates win ties.
A page's confidence combines the share of the question it covers anywhere with its best candidate.

The answer (`compose`) leads with the best candidate (and the sentence that follows it when the lead only
introduces the answer), then quotes the next best candidates of the top pages; each quote names its page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from math import prod

from ..bilingual import Dictionary
from ..furniture import NONE, Furniture
from ..lanes.text.translation import expand
from ..language import DEFAULT, detect
from ..types import Box, Citation, Gap, Region
from .answer_kind import gap
from .evidence import EvidencePage
from .lexical import letter_words, sentences, terms, words_for
from .question import QuestionTerms

PHRASE_BONUS = 0.06  # per question word pair found as a phrase in a candidate's window
PHRASE_BONUS_MAX = 0.18
# A candidate that names (or follows a term naming) an abbreviation the question spells out ("net present
# value" -> `Function: npv`) shares no word with that name; this bonus stands in for the phrase it spells.
# Dev: correct 45 -> 46/64 at 0.15 and at 0.3 (a slide's abbreviation), nothing lost; at 0.3 the sample
# corpus's "net present value of a series of cash flows" leads with npv rather than irr's definition.
INITIALISM_BONUS = 0.3
RANK_PRIOR = 0.3  # page prior: RANK_PRIOR / rank for pages a search returned (the text lane ranks well)
KIND_WEIGHT = {"title": 0.8, "header": 0.6, "footer": 0.6, "caption": 0.95}
W_OWN, W_WINDOW, W_SIM = 0.45, 0.30, 0.25
TABLE_WINDOW = 4  # lines per candidate of a table whose cells are one per line
QUOTE_CHARS = 300
W_PAGE, W_BEST, W_FOCUS, W_SCORE = 0.25, 0.3, 0.25, 0.2  # the parts of a page's confidence
LEAD_CHARS = 480
TERM_CHARS = 90
REFERENT_CHARS = 160  # the longest unit a passage that opens by pointing back ("These commands ...") takes
_POINTS_BACK = re.compile(r"(?:This|These|That|Those|Such|They|It)\b")
LEAD_FOLLOWING = 2  # candidates after the best one that may join the lead
SUPPORTING = 2  # quotes after the lead
GLOSS_TERMS = 3  # translations per word of a passage in another language than the question (glosser)

_CELL_GAP = re.compile(r"\S(?: {2,}|\t)\S")


@dataclass(frozen=True)
class Unit:
    """One answer candidate of a page: its text, where it is (box in page pixels) and its region kind."""

    text: str
    box: Box | None
    kind: str
    order: int


@dataclass(frozen=True)
class Passage:
    page: EvidencePage
    unit: Unit
    score: float
    following: tuple[str, ...] = ()  # the candidates after it on the page (a lead often only introduces)
    term: str = ""  # the unit before it when that names what it describes ("Function: pv (rate,FV)") or
    # what it points back to ("These commands ..."); see _introduces

    @property
    def text(self) -> str:
        return self.unit.text

    @property
    def region(self) -> Region | None:
        return Region(self.unit.kind, self.unit.box, self.unit.text) if self.unit.box else None


@dataclass
class PageJudgement:
    page: EvidencePage
    coverage: float  # idf-weighted share of question terms found anywhere on the page
    passages: list[Passage]  # best first
    confidence: float  # what decides answerable or not: `evidence` lowered by the gaps' factors
    missing: list[str] = field(default_factory=list)  # question terms the page lacks, most important first
    gaps: list[Gap] = field(default_factory=list)  # what the asked-for answer needs and the evidence lacks
    evidence: float = 0.0  # how well the page covers the question, before its gaps

    @property
    def best(self) -> Passage | None:
        return self.passages[0] if self.passages else None

    @property
    def relevance(self) -> float:
        """What orders the pages in hand (the lead and the quotes come from the first): the confidence, but
        for the focus gap, which only sharpens abstention (the evidence already weighs the focus, and a
        paraphrase's rarest words are often not the page's)."""
        prior = RANK_PRIOR / self.page.rank if self.page.rank else 0.0
        return self.evidence * prod(found.factor for found in self.gaps if found.kind != "focus") + prior


def page_units(page: EvidencePage, furniture: Furniture = NONE) -> list[Unit]:
    """The answer candidates of a page, in reading order, furniture left out."""
    regions = [r for r in page.regions if r.text.strip() and not furniture.region_is_furniture(r.text, r.box)]
    if not regions:
        lines = [ln for ln in page.text.splitlines() if not furniture.covers(ln)]
        return [Unit(text, None, "text", i) for i, text in enumerate(sentences("\n".join(lines)))]
    units: list[Unit] = []
    for block in _blocks(regions):
        units.extend(_block_units(block, len(units)))
    return units


def _blocks(regions: list[Region]) -> list[list[Region]]:
    """Regions grouped into paragraphs: consecutive one-line regions stacked closely (OCR lines) join."""
    blocks: list[list[Region]] = []
    for region in regions:
        last = blocks[-1][-1] if blocks else None
        if last is not None and _continues(last, region):
            blocks[-1].append(region)
        else:
            blocks.append([region])
    return blocks


def _continues(above: Region, below: Region) -> bool:
    if "\n" in above.text.strip() or "\n" in below.text.strip() or above.kind != below.kind:
        return False
    height = max(1.0, above.box[3] - above.box[1])
    gap = below.box[1] - above.box[3]
    overlap = min(above.box[2], below.box[2]) - max(above.box[0], below.box[0])
    return -0.5 * height <= gap <= 0.8 * height and overlap > 0


def _union(boxes: Sequence[Box]) -> Box | None:
    if not boxes:
        return None
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _block_units(block: list[Region], start: int) -> list[Unit]:
    kind = block[0].kind
    lines = [ln.strip() for r in block for ln in r.text.splitlines() if ln.strip()]
    if len(block) == 1 and _is_table(lines, kind):
        return _table_units(lines, block[0], start)
    text = "\n".join(r.text.strip() for r in block)
    units = []
    for piece in sentences(text):
        boxes = [r.box for r in block if _shares_text(r.text, piece)] or [r.box for r in block]
        units.append(Unit(piece, _union(boxes), kind, start + len(units)))
    return units


def _shares_text(region_text: str, piece: str) -> bool:
    flat = " ".join(region_text.split())
    return flat in piece or piece in flat or flat[:40] in piece or piece[:40] in flat


def _is_table(lines: list[str], kind: str) -> bool:
    """A block of aligned columns (cells separated by runs of spaces) or of one short cell per line."""
    if kind == "table":
        return len(lines) >= 2
    if len(lines) < 4:
        return False
    gapped = sum(1 for ln in lines if _CELL_GAP.search(ln))
    short = sum(1 for ln in lines if len(ln) <= 24)
    return gapped >= 0.6 * len(lines) or short >= 0.8 * len(lines) and len(lines) >= 8


def _table_units(lines: list[str], region: Region, start: int) -> list[Unit]:
    """Rows of a table, each after its header line; cell-per-line tables in windows of lines."""
    header, rows = lines[0], lines[1:]
    if sum(1 for ln in lines if _CELL_GAP.search(ln)) >= 0.6 * len(lines):
        groups = [[row] for row in rows]
    else:
        step = max(1, TABLE_WINDOW // 2)
        groups = [rows[i : i + TABLE_WINDOW] for i in range(0, max(1, len(rows) - step), step)]
    units = []
    for group in groups:
        text = " ".join(" ".join(group).split())
        if text:
            units.append(Unit(f"{' '.join(header.split())}: {text}", region.box, "table", start + len(units)))
    return units


def _phrase_hits(pairs: list[tuple[str, str]], seq: list[str]) -> int:
    adjacent = set(zip(seq, seq[1:]))
    return sum(1 for pair in pairs if pair in adjacent)


Gloss = Callable[[str, str], list[str]]  # (a passage, its page's language) -> terms in the question's


def glosser(question: str, dictionary: Callable[[str, str], Dictionary | None]) -> Gloss:
    """Glosses of passages on pages in another language than the question: each content word's
    translations into the question's language (up to GLOSS_TERMS per word, the text lane's translation
    with full weight), as extra terms of the passage, so coverage, focus and phrases weigh a German
    passage for an English question as they weigh an English one. Nothing for a page in the question's
    language, or with no dictionary for the pair. Cached per passage for the question."""
    asked_in = detect(question) or DEFAULT
    done: dict[tuple[str, str], list[str]] = {}

    def gloss(text: str, language: str) -> list[str]:
        if not language or language == asked_in:
            return []
        if (text, language) not in done:
            found = expand(
                text, language, [asked_in], dictionary, weight=1.0, sense_exponent=1.0, max_terms=GLOSS_TERMS
            )
            done[(text, language)] = sorted(found.terms)
        return done[(text, language)]

    return gloss


def judge_page(
    question: QuestionTerms,
    page: EvidencePage,
    furniture: Furniture = NONE,
    similarity: dict[str, float] | None = None,
    gloss: Gloss | None = None,
) -> PageJudgement:
    units = page_units(page, furniture)
    unit_terms = [terms(u.text) + (gloss(u.text, page.language) if gloss else []) for u in units]
    page_terms = {t for ts in unit_terms for t in ts} or set(terms(page.text))
    coverage = question.coverage(page_terms)
    similarity = similarity or {}
    passages = []
    for i, unit in enumerate(units):
        own = set(unit_terms[i])
        window = [t for j in range(max(0, i - 1), min(len(units), i + 2)) for t in unit_terms[j]]
        phrases = min(PHRASE_BONUS_MAX, PHRASE_BONUS * _phrase_hits(question.pairs, window))
        score = (
            W_OWN * question.coverage(own)
            + W_WINDOW * question.coverage(set(window))
            + phrases
            + W_SIM * max(0.0, similarity.get(unit.text, 0.0))
        )
        term = units[i - 1].text if i > 0 and _introduces(units[i - 1].text, unit.text) else ""
        if question.initialisms and not question.initialisms.isdisjoint(letter_words(f"{term} {unit.text}")):
            score += INITIALISM_BONUS
        score *= KIND_WEIGHT.get(unit.kind, 1.0)
        score -= 0.001 * i  # position: earlier wins a tie
        following = tuple(u.text for u in units[i + 1 : i + 1 + LEAD_FOLLOWING])
        passages.append(Passage(page=page, unit=unit, score=score, following=following, term=term))
    passages.sort(key=lambda p: -p.score)
    evidence, gaps = _evidence(question, coverage, passages, units, unit_terms)
    confidence = evidence * prod(found.factor for found in gaps)
    return PageJudgement(
        page=page,
        coverage=coverage,
        passages=passages,
        confidence=confidence,
        evidence=evidence,
        missing=question.missing(page_terms),
        gaps=gaps,
    )


def _evidence(
    question: QuestionTerms,
    coverage: float,
    passages: list[Passage],
    units: list[Unit],
    unit_terms: list[list[str]],
) -> tuple[float, list[Gap]]:
    """How well the page answers (its evidence, before its gaps lower it), and its gaps: the share of the
    question it covers, the share its best passage and that passage's neighbours cover, whether they hold
    the question's focus (its rarest terms; holding none of them is a gap), whether they hold the kind of
    answer asked for (answer_kind.py: a number, a default, ...), and whether the library mentions the
    things the question names at all."""
    if not passages:
        return 0.0, []
    best = passages[0]
    i = (
        best.unit.order
        if best.unit.order < len(units) and units[best.unit.order] is best.unit
        else units.index(best.unit)
    )
    window_terms = {t for j in range(max(0, i - 1), min(len(units), i + 2)) for t in unit_terms[j]}
    window_text = " ".join(units[j].text for j in range(max(0, i - 1), min(len(units), i + 2)))
    focus = question.focus()
    focus_share = sum(1 for t in focus if t in window_terms) / len(focus) if focus else 0.0
    value = (
        W_PAGE * coverage
        + W_BEST * question.coverage(window_terms)
        + W_FOCUS * focus_share
        + W_SCORE * min(1.0, best.score)
    )
    gaps = question.kind.gaps(window_text, " ".join(u.text for u in units))
    if focus and not focus_share:
        gaps.append(gap("focus", "the question's key words " + ", ".join(words_for(focus, question.text))))
    gaps += [gap("unknown_name", f"{name} (no page mentions it)") for name in question.unknown]
    return value, gaps


def unit_similarity(
    question: str, pages: Sequence[EvidencePage], furniture: dict[str, Furniture]
) -> dict[str, float]:
    """wordllama cosine of the question with every candidate of these pages (one batch)."""
    texts = sorted({u.text for p in pages for u in page_units(p, furniture.get(p.doc, NONE))})
    if not texts or not question.strip():
        return {}
    from ..lanes.text.wordllama import load_wordllama

    model = load_wordllama()
    vectors = model.embed([question, *texts], norm=True)
    scores = vectors[1:] @ vectors[0]
    return {text: float(score) for text, score in zip(texts, scores)}


def rank_pages(
    question: QuestionTerms,
    pages: list[EvidencePage],
    furniture: dict[str, Furniture] | None = None,
    similarity: dict[str, float] | None = None,
    gloss: Gloss | None = None,
) -> list[PageJudgement]:
    furniture = furniture or {}
    judged = [judge_page(question, p, furniture.get(p.doc, NONE), similarity, gloss) for p in pages]
    return sorted(judged, key=lambda j: -j.relevance)


def clip(text: str, limit: int = QUOTE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def _introduces(before: str, text: str) -> bool:
    """Whether the unit before a passage belongs with it: a term it describes, or what it points back
    to ("set size 0.5, 0.5 ..." before "These commands produce ...")."""
    points_back = bool(_POINTS_BACK.match(text)) and len(" ".join(before.split())) <= REFERENT_CHARS
    return _is_term(before) or points_back


def _is_term(text: str) -> bool:
    """A short line that is not a sentence: a definition's term, a function signature, a code line."""
    flat = " ".join(text.split())
    return len(flat) <= TERM_CHARS and not flat.endswith((".", "?", "!"))


def _with_term(passage: Passage) -> str:
    text = " ".join(passage.text.split())
    return f"{' '.join(passage.term.split())} {text}" if passage.term else text


def lead_of(passage: Passage) -> str:
    """The best candidate (after the term it describes, see `Passage.term`) and what follows it on the
    page, up to LEAD_CHARS and not into the next entry (a unit opening with the term's first word, as
    "Function: ..." does in a reference manual): the sentence that matches a question best often restates
    it ("Suppose we need the standard errors...") and the answer comes next."""
    text = _with_term(passage)
    entry = passage.term.split()[0] if passage.term.split() else None
    for following in passage.following:
        following = " ".join(following.split())
        if len(text) + len(following) >= LEAD_CHARS or entry and following.split()[:1] == [entry]:
            break  # full, or the next entry of a reference ("Function: annuity_fv ..." after annuity_pv's)
        text = f"{text} {following}"
    return clip(text, LEAD_CHARS)


def quote_of(passage: Passage) -> str:
    return clip(_with_term(passage))


def citation_of(passage: Passage) -> Citation:
    return passage.page.citation(quote=quote_of(passage), region=passage.region)
