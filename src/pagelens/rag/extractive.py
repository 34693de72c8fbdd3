"""The offline extractive answerer: scores candidate passages of the pages in hand against the question and
answers with the best ones, cited and boxed; or abstains when no page covers the question well.

Candidates and the groups they belong to come from the page's structure (units.py: a paragraph's
sentences, a list's items, a code block, a table row, each under its heading or term); page furniture
(furniture.py) and navigation are never candidates. Each candidate is scored by
- coverage: the idf-weighted share of the question's analysed terms it holds, alone and with its
  neighbours and its subject (the heading or term it sits under; the proximity of those terms); the
  definition set in under its term holds the term's terms as its own (it says what the term is: "Allows
  users to add local modifications ..." under "staff" answers "what is the staff group for?"; a section's
  paragraphs, at their heading's margin, say more than what the section is), and a page's evidence counts
  the heading or term right above its best candidate (whether it holds the question's focus),
- phrases: question word pairs found next to each other,
- similarity: wordllama cosine between question and candidate (catches paraphrases),
- the entry asked about: a table row or tagged entry keyed by a value the question states, or an entry
  under a name it writes in code (`_keyed`: ServerAliveInterval's, not ServerAliveCountMax's, which
  mentions it),
- region kind: a title or caption restates a topic more often than it answers, and
- position: earlier candidates win ties.
A page's confidence combines the share of the question it covers anywhere with its best candidate.

The candidate that leads is the page's best unless that lacks the kind of answer asked (a number, a default,
or in its lead the type its part asks: a release, a time, a place) and a close one holds it (`_lead_first`).
The lead (`lead_of`) is its whole group under its subject (a list with all its items, a code block with its
intro, a reference entry under its term), with the group it opens ("... as follows:"); a lead cut by the
page break goes on from the next page (`runs_on`, `continuation`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from math import prod
from typing import Protocol

from ..analysis import analyze, stopwords
from ..bilingual import Dictionary
from ..furniture import NONE, Furniture
from ..headings import term_shaped
from ..lanes.text.translation import cognate, expand, translations
from ..number_words import number_of
from ..types import Citation, Gap, Page, Region
from .answer_kind import gap, holds_type, spells
from .evidence import EvidencePage
from .lexical import letter_words, sentences, terms, words_for
from .params import PARAMS
from .question import QuestionTerms
from .units import Group, PageUnits, Unit, page_units, union_box


@dataclass(frozen=True)
class Passage:
    page: EvidencePage
    unit: Unit
    score: float
    group: Group | None = None  # what the answer quotes whole (units.py)
    section: tuple[Group, ...] = ()  # the groups after it under the same heading
    page_units: tuple[Unit, ...] = field(default=(), repr=False)  # all candidates of its page, in order

    @property
    def subject(self) -> str:
        return self.unit.subject

    @property
    def text(self) -> str:
        return self.unit.text

    @property
    def region(self) -> Region | None:
        return Region(self.unit.kind, self.unit.box, self.unit.text) if self.unit.box else None

    @cached_property
    def lead(self) -> tuple[str, list[Group]]:
        """What it leads an answer with (`lead_of`) and the groups that shows, worked out once: the
        abstention signals, the answer's text, its quotes' check and its citation all read it."""
        return _lead(self)


@dataclass
class PageJudgement:
    page: EvidencePage
    coverage: float  # idf-weighted share of question terms found anywhere on the page
    passages: list[Passage]  # best first
    confidence: float  # what decides answerable or not: `evidence` lowered by the gaps' factors
    missing: list[str] = field(default_factory=list)  # question terms the page lacks, most important first
    gaps: list[Gap] = field(default_factory=list)  # what the asked-for answer needs and the evidence lacks
    evidence: float = 0.0  # how well the page covers the question, before its gaps
    holds_asked: bool = True  # its best passage holds the kind of answer asked (`_holds_asked`)
    named_entry: bool = False  # its best passage is in the entry of a thing the question names (`_keyed`)

    @property
    def best(self) -> Passage | None:
        return self.passages[0] if self.passages else None

    @property
    def top_score(self) -> float:
        """The best score of its passages: the first or, when `_lead_first` put a candidate holding the asked
        kind of answer (or keyed by a value the question states) in front of it, the second."""
        return max((p.score for p in self.passages[:2]), default=0.0)

    @property
    def relevance(self) -> float:
        """What orders the pages in hand (the lead and the quotes come from the first): the confidence, but
        for the focus gap, which only sharpens abstention (the evidence already weighs the focus, and a
        paraphrase's rarest words are often not the page's)."""
        prior = PARAMS.rank_prior / self.page.rank if self.page.rank else 0.0
        return self.evidence * prod(found.factor for found in self.gaps if found.kind != "focus") + prior


def _phrase_hits(pairs: list[tuple[str, str]], seq: list[str]) -> int:
    adjacent = set(zip(seq, seq[1:]))
    return sum(1 for pair in pairs if pair in adjacent)


class Gloss(Protocol):
    """(a passage, its page's language) -> terms in the question's; with `every`, each question word that
    any mutual translation of it stands for (`glosser`)."""

    def __call__(self, text: str, language: str, *, every: bool = False) -> list[str]: ...


def glosser(asked_in: str, dictionary: Callable[[str, str], Dictionary | None], question: str = "") -> Gloss:
    """Glosses of passages on pages in another language than the question, in both directions of the
    dictionaries: each content word's translations into the question's language (up to PARAMS.gloss_terms
    per word, the text lane's translation with full weight), and each word of the `question` whose
    translations into the page's language (up to PARAMS.forward_terms) the passage holds, or that is spelled
    like one of its words (`cognate`: "default" and "défaut", which no dictionary pairs). The directions
    differ: German "sendende" glosses as "broadcast", while "send" translates to "sendend". They count as
    extra terms of the passage, so coverage, focus and phrases weigh a German passage for an English
    question as they weigh an English one. With `every`, a question word stands for each of its mutual
    translations too (translation.mutual: "Vorgabe" for "default"), however rare their sense: too many to
    weigh a passage with (big dictionaries pair a word with all its senses), but what the answer-kind checks
    read (`glossed`), which look for one word's meaning ("default") near the subject. Nothing for a page in
    the question's language (`asked_in`, the analysed question's). Cached per passage for the question."""
    done: dict[tuple[str, str, bool], list[str]] = {}
    # (page language, every) -> question stem -> translations
    forward: dict[tuple[str, bool], dict[str, frozenset[str]]] = {}
    question_stems = set(analyze(question, query=True, language=asked_in)) if question else set()

    def asked(text: str, language: str, every: bool) -> set[str]:
        if (language, every) not in forward:
            forward[(language, every)] = translations(
                question, asked_in, language, dictionary, max_terms=PARAMS.forward_terms, every=every
            )
        held = set(analyze(text, language=language))
        found = {word for word, translated in forward[(language, every)].items() if translated & held}
        return found | {word for word in question_stems if any(cognate(word, term) for term in held)}

    def gloss(text: str, language: str, *, every: bool = False) -> list[str]:
        if not language or language == asked_in:
            return []
        if (text, language, every) not in done:
            found = expand(
                text,
                language,
                [asked_in],
                dictionary,
                weight=1.0,
                sense_exponent=1.0,
                max_terms=PARAMS.gloss_terms,
            )
            done[(text, language, every)] = sorted(set(found.terms) | asked(text, language, every))
        return done[(text, language, every)]

    return gloss


def glossed(text: str, language: str, gloss: Gloss | None) -> str:
    """The text with each word of a page in another language than the question followed by its digits when
    it is a number word (number_words.py) and its translations ("vierzehn/14/fourteen Tagen/day/week"), so
    that the answer-kind checks, which read the question's language (a number word, "default", a number
    next to the subject's word), read it too, with every mutual translation of the question's words
    ("Die Vorgabe/default ist 60 Sekunden": `glosser`); unchanged in the question's language."""
    if gloss is None or not language:
        return text
    return " ".join(
        "/".join([word, *filter(None, [number_of(word, language)]), *gloss(word, language, every=True)])
        for word in text.split()
    )


def judge_page(
    question: QuestionTerms,
    page: EvidencePage,
    furniture: Furniture = NONE,
    similarity: dict[str, float] | None = None,
    gloss: Gloss | None = None,
    structure: PageUnits | None = None,
) -> PageJudgement:
    structure = structure or units_of(page, furniture)
    units = structure.units
    unit_terms = [terms(u.text) + (gloss(u.text, page.language) if gloss else []) for u in units]
    unit_terms = [ts + question.halves(ts) for ts in unit_terms] if question.joined else unit_terms
    subject_terms = {u.subject: set(terms(u.subject)) for u in units if u.defined}
    for unit in units:  # a term with no word of its own ("M") names its entry by the section it sits in
        if unit.kind == "term" and unit.text in subject_terms and not subject_terms[unit.text]:
            subject_terms[unit.text] = set(terms(unit.subject))
    page_terms = {t for ts in unit_terms for t in ts} or set(terms(page.text))
    coverage = question.coverage(page_terms)
    similarity = similarity or {}
    passages = []
    on_page = tuple(units)
    for i, unit in enumerate(units):
        own = set(unit_terms[i]) | (subject_terms[unit.subject] if unit.entry else set())
        window = [t for j in neighbourhood(units, i) for t in unit_terms[j]]
        phrases = min(PARAMS.phrase_bonus_max, PARAMS.phrase_bonus * _phrase_hits(question.pairs, window))
        score = (
            PARAMS.w_own * question.coverage(own)
            + PARAMS.w_window * question.coverage(_held_around(unit, window, subject_terms))
            + phrases
            + PARAMS.w_sim * max(0.0, similarity.get(unit.text, 0.0))
        )
        if question.initialisms and not question.initialisms.isdisjoint(
            letter_words(f"{unit.subject} {unit.text}")
        ):
            score += PARAMS.initialism_bonus
        if question.code and any(spells(name, f"{unit.subject} {unit.text}") for name in question.code):
            score += PARAMS.code_name_bonus
        if _keyed(question, unit):
            score += PARAMS.key_bonus  # the entry asked about
        score *= PARAMS.kind_weight.get(unit.kind, 1.0)
        score -= PARAMS.position_tie * i  # position: earlier wins a tie
        group = structure.group_of(unit)
        section = structure.section_after(unit.group) if group else ()
        passages.append(Passage(page, unit, score, group, section, on_page))
    passages.sort(key=lambda p: -p.score)

    def read(text: str) -> str:
        return glossed(text, page.language, gloss)

    # a page in another language than the question's: its stop words do not count in the answer-kind
    # checks' distance to the subject (answer_kind.near)
    foreign = gloss is not None and question.language and page.language not in ("", question.language)
    filler = stopwords(page.language) if foreign else frozenset()
    # the page's evidence is its best-scoring candidate's; the lead may be another (_lead_first)
    evidence, gaps = _evidence(question, coverage, passages, units, unit_terms, subject_terms, read, filler)
    passages, holds_asked = _lead_first(passages, question, read, filler)
    confidence = evidence * prod(found.factor for found in gaps)
    return PageJudgement(
        page=page,
        coverage=coverage,
        passages=passages,
        confidence=confidence,
        evidence=evidence,
        missing=question.missing(page_terms),
        gaps=gaps,
        holds_asked=holds_asked,
        named_entry=bool(passages) and _named_entry(question, passages[0].unit),
    )


def _held_around(unit: Unit, window: Sequence[str], subject_terms: Mapping[str, set[str]]) -> set[str]:
    """The terms a candidate's window holds (`window`: its neighbours' and its own), with its subject's where
    it sits right under its heading or term (`subject_terms`: those subjects' terms): a definition is about
    its term."""
    return set(window) | (subject_terms[unit.subject] if unit.defined else set())


def neighbourhood(units: Sequence[Unit], i: int) -> list[int]:
    """The positions of a candidate and its neighbours that read with it: the one before and the one after,
    when they sit under the same heading or term. A section's last sentence does not borrow the next section's
    heading ("2.12. Recommended checking order" is not context for the last line of "2.11. Subclassing")."""
    return [j for j in range(max(0, i - 1), min(len(units), i + 2)) if units[j].subject == units[i].subject]


def _holds_asked(
    question: QuestionTerms,
    passage: Passage,
    read: Callable[[str], str],
    filler: frozenset[str] = frozenset(),
) -> bool:
    """Whether a candidate holds the kind of answer the question asks for (True when it asks for none): a
    number or a default near what it is asked of (answer_kind.AnswerKind; `filler`: a foreign page's stop
    words, which do not count in the distance), and its lead an answer of the type its part asks for where
    that has a surface form (answer_kind.holds_type: a number, a time, a release, a place), as abstain.py's
    answer-type signal reads it."""
    text = read(f"{passage.subject} {passage.text}")
    kinds = [g for g in question.kind.gaps(text, text, filler) if g.kind in ("number", "default")]
    return not kinds and holds_type(question.asks, read(lead_of(passage)))


def _lead_first(
    passages: list[Passage],
    question: QuestionTerms,
    read: Callable[[str], str],
    filler: frozenset[str] = frozenset(),
) -> tuple[list[Passage], bool]:
    """The candidates best first, but for the one to lead an answer: when the best lacks the kind of answer
    asked (`_holds_asked`: a number for "how many", a default for "by default", a release for "since which
    version", read through its translations on a page in another language), or when the page has an entry
    keyed by a value the question states or the entry of a thing it names in code (`_keyed`: the row of
    period 6, the entry of exit status 2, ServerAliveInterval's entry) and the best is not one, the best
    candidate scoring at least `lead_kind_share` as much that holds it and is keyed so ("Defaults to 10000
    messages in 30s." under RateLimitBurst= rather than the sentence that shares most words with the
    question; "This means that some fatal, unrecoverable error occurred." in the entry tagged 2 rather than
    a sentence on exit codes in general); failing that, one that holds it. Also whether the candidate it
    puts first holds the kind of answer asked."""
    if not passages:
        return passages, False

    @cache
    def holds(i: int) -> bool:
        return _holds_asked(question, passages[i], read, filler)

    floor = PARAMS.lead_kind_share * passages[0].score
    keyed = any(p.score >= floor and _keyed(question, p.unit) for p in passages)

    def leads(i: int, keys: bool) -> bool:
        return holds(i) and (not keys or _keyed(question, passages[i].unit))

    for keys in dict.fromkeys([keyed, False]):
        if leads(0, keys):
            return passages, True
        first = next(
            (i for i in range(1, len(passages)) if passages[i].score >= floor and leads(i, keys)), None
        )
        if first is not None:
            return [passages[first], *(p for i, p in enumerate(passages) if i != first)], True
    return passages, holds(0)


def _keyed(question: QuestionTerms, unit: Unit) -> bool:
    """Whether a candidate is keyed by a value the question states (units.Unit.key, AnswerKind.states_key),
    or sits in the entry of a thing the question names: its subject (the term or heading it sits under) opens
    with a name the question writes in code (AnswerKind.entry_names: "The default is 0 ..." under
    ServerAliveInterval, not the sentence of ServerAliveCountMax's entry that mentions ServerAliveInterval
    beside "default"), or with the abbreviation of a name it spells out (`Function: npv` for "net present
    value", not irr's entry, which mentions the net present value)."""
    return bool(unit.key and question.kind.states_key(unit.key)) or _named_entry(question, unit)


def _named_entry(question: QuestionTerms, unit: Unit) -> bool:
    """Whether a candidate sits in the entry of a thing the question names (`_keyed`)."""
    head = _entry_name(unit.subject)
    return any(head.startswith(name) and spells(name, head) for name in question.kind.entry_names) or bool(
        question.initialisms and question.initialisms.intersection(letter_words(head)[:1])
    )


def _entry_name(subject: str) -> str:
    """The word a subject opens with, past a category label that ends in a colon ("npv" of "Function: npv
    (rate,val)", "ServerAliveInterval" of itself)."""
    words = subject.split()
    return words[1] if len(words) > 1 and words[0].endswith(":") else next(iter(words), "")


def units_of(
    page: EvidencePage, furniture: Furniture = NONE, frequency: Callable[[str], int] | None = None
) -> PageUnits:
    """The page's answer units (units.py; `frequency`: the library's, which tells a name broken at a line
    end)."""
    return page_units(page.regions, page.text, furniture, frequency, page.carried or "")


def closing_heading(page: Page, furniture: Furniture = NONE) -> str:
    """The heading in force at the end of a page (units.PageUnits.closing): the next page's `carried`; none
    for a slide, whose headings head only the slide ("Corollary" is not the subject of the next frame)."""
    if page.is_slide:
        return ""
    return page_units(page.regions, page.text, furniture).closing


def _evidence(
    question: QuestionTerms,
    coverage: float,
    passages: list[Passage],
    units: list[Unit],
    unit_terms: list[list[str]],
    subject_terms: Mapping[str, set[str]],
    read: Callable[[str], str] = str,
    filler: frozenset[str] = frozenset(),
) -> tuple[float, list[Gap]]:
    """How well the page answers (its evidence, before its gaps lower it), and its gaps: the share of the
    question it covers, the share its best passage and that passage's neighbours cover (with the heading or
    term it sits right under, as its score reads them: `_held_around`), whether they hold the question's
    focus (its rarest terms; holding none of them is a gap), whether they hold the kind of answer asked for
    (answer_kind.py: a number, a default, ...; `read` glosses a page in another language, whose stop words,
    `filler`, do not count in the distance to the subject), and whether the library mentions the things
    the question names at all."""
    if not passages:
        return 0.0, []
    i = _position(units, passages[0].unit)
    window_terms = _held_around(
        units[i], [t for j in neighbourhood(units, i) for t in unit_terms[j]], subject_terms
    )
    above = [units[i].subject] if units[i].defined else []  # an option's term holds its default
    window_text = " ".join(above + [units[j].text for j in neighbourhood(units, i)])
    focus = question.focus()
    focus_share = sum(1 for t in focus if t in window_terms) / len(focus) if focus else 0.0
    value = (
        PARAMS.w_page * coverage
        + PARAMS.w_best * question.coverage(window_terms)
        + PARAMS.w_focus * focus_share
        + PARAMS.w_score * min(1.0, passages[0].score)
    )
    gaps = question.kind.gaps(read(window_text), " ".join(u.text for u in units), filler)
    if focus and not focus_share:
        gaps.append(gap("focus", "the question's key words " + ", ".join(words_for(focus, question.text))))
    gaps += [gap("unknown_name", f"{name} (no page mentions it)") for name in question.unknown]
    return value, gaps


def _position(units: Sequence[Unit], unit: Unit) -> int:
    """Where a candidate stands among its page's (its `order`, unless the page's list was cut)."""
    at = unit.order
    return at if at < len(units) and units[at] is unit else units.index(unit)


def unit_similarity(
    question: str,
    structures: Sequence[PageUnits],
    languages: Sequence[str] = (),
    gloss: Gloss | None = None,
) -> dict[str, float]:
    """wordllama cosine of the question with every candidate of these pages (one batch), in the question's
    language: a candidate of a page in another (`languages`, one per structure) is compared through its
    words' translations (`gloss`). wordllama compares English with English: "After how many days are old
    backups deleted?" scores 0.88 with its English answer, 0.04 with the German one (as unrelated sentences
    do), 0.35 with that German sentence's glossed words."""
    read: dict[str, str] = {}
    for structure, language in zip(structures, languages or [""] * len(structures)):
        for unit in structure.units:
            translated = gloss(unit.text, language) if gloss and language else []
            read.setdefault(unit.text, " ".join(translated) or unit.text)
    if not read or not question.strip():
        return {}
    from ..lanes.text.wordllama import load_wordllama

    texts = sorted(read)
    vectors = load_wordllama().embed([question, *(read[t] for t in texts)], norm=True)
    scores = vectors[1:] @ vectors[0]
    return {text: float(score) for text, score in zip(texts, scores)}


def rank_pages(
    question: QuestionTerms,
    pages: list[EvidencePage],
    furniture: dict[str, Furniture] | None = None,
    gloss: Gloss | None = None,
    frequency: Callable[[str], int] | None = None,
    built: dict[str, PageUnits] | None = None,
) -> list[PageJudgement]:
    """The pages judged against the question, most relevant first (`frequency`: units_of's; `built`: the
    pages' units already built with these furniture and frequencies, by page key, which this fills in)."""
    furniture = furniture or {}
    built = {} if built is None else built
    for page in pages:
        if page.key not in built:
            built[page.key] = units_of(page, furniture.get(page.doc, NONE), frequency)
    structures = [built[p.key] for p in pages]
    similarity = unit_similarity(question.text, structures, [p.language for p in pages], gloss)
    judged = [
        judge_page(question, p, furniture.get(p.doc, NONE), similarity, gloss, structure)
        for p, structure in zip(pages, structures)
    ]
    return sorted(judged, key=lambda j: -j.relevance)


def clip(text: str, limit: int = PARAMS.quote_chars) -> str:
    """The text in `limit` characters: cut after its last whole sentence when that keeps at least half of
    them, else after its last whole word; "..." says that more follows."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 3]
    end = max(cut.rfind(f"{mark} ") for mark in ".;?!")
    if end >= limit // 2:
        return cut[: end + 1] + " ..."
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip() + "..."


def _with_subject(passage: Passage, text: str) -> str:
    """The text after the heading or term it sits under, unless it already names it; a dash between them,
    so that the heading does not read as the first words of the sentence ("2.1 The Basics — ffi_prep_cif
    returns ...")."""
    subject = " ".join(passage.subject.split())
    flat = " ".join(text.split())
    named = re.search(rf"(?<!\w){re.escape(subject)}(?!\w)", flat) if subject else True
    return flat if named else f"{subject} — {flat}"


def lead_of(passage: Passage) -> str:
    """The best candidate's whole group under its subject (units.py): a paragraph whole when it fits in
    `PARAMS.lead_chars` (its first sentence says what the best one is about: "Calculates the ratio ...
    Notice that ..."; the length it adds does not count against what follows), from its start when the
    candidate ends early in it (`PARAMS.early_share` of the limit), else from the candidate on (after what
    it points back to), a list with its lead-in and all its items (up to `PARAMS.list_chars`),
    a code block with its intro, a table row with its header; then what the group leaves open:
    - the group after one that stops mid-sentence ("In both cases the LD50 is" and its formula);
    - what a group that opens ("... as follows:", "are predefined:") enumerates: the groups after it while
      they fit in `PARAMS.list_chars` (a list, or terms with their definitions), up to the end of a list;
    then the next groups under the same heading, up to `PARAMS.section_groups`, while they fit in
    `PARAMS.lead_chars` (a heading with its body), but no chart drawn in characters (`_drawing`, valgrind's
    memory graph); a list ends the lead, and a heading-shaped line it took
    last ("Constants", the next entry's term) is left out: it heads what follows, not what the lead says."""
    return passage.lead[0]


def lead_showing(
    passage: Passage, others: Sequence[Passage] = (), focus: Sequence[Sequence[str]] = ()
) -> str:
    """The lead (`lead_of`) of an answer whose parts it serves, showing what each part asks: it reads from
    the earliest of the parts' candidates in its group (`others`: the other parts' leads there; "deflateInit()
    takes levels -1 to 9 ... Z_DEFAULT_COMPRESSION is level 6" for a question on both), and a part's
    candidate, or the first sentence of the groups it quotes that holds one of a part's focus terms (`focus`,
    stemmed, one sequence per part), that its cut left out follows it after "...", each cut to
    `PARAMS.quote_chars` (a table row nested in a long list item: "mask No The number to AND the value in the
    file with ..." after the item's start)."""
    first = min([passage, *others], key=lambda p: p.unit.order)
    text = lead_of(first)
    shown = " ".join(text.split())
    held = set(terms(text))
    missing = [p.text for p in [passage, *others] if _opening(p.text) not in shown]
    units = [first.page_units[m].text for g in first.lead[1] for m in g.members if m < len(first.page_units)]
    for terms_ in focus:
        if not terms_ or not held.isdisjoint(terms_):
            continue
        found = next((s for u in units for s in sentences(u) if not set(terms_).isdisjoint(terms(s))), None)
        if found is not None:
            missing.append(found)
    for more in dict.fromkeys(missing):
        flat = " ".join(more.split())
        if flat in shown:
            continue
        text = f"{text if text.endswith('...') else text + ' ...'} {clip(flat)}"
        shown = " ".join(text.split())
    return text


def runs_on(passage: Passage) -> bool:
    """Whether the lead runs off its page: what it shows ends with the page's last candidate, uncut, in a
    group cut short by the page break (`Group.cut_short`)."""
    text, groups = passage.lead
    last = groups[-1] if groups else None
    return (
        last is not None
        and last.cut_short
        and not text.endswith("...")
        and max(last.members, default=-1) == len(passage.page_units) - 1
    )


_FINISHES = re.compile(r"[.!?](?:\s|$)")  # a sentence ends here


def continuation(page: PageJudgement, listed: bool = False) -> Citation | None:
    """What the first group of `page` (the page after a lead that `runs_on`) adds to it: its citation,
    quoting the group whole and, after a list (`listed`), the list's items that follow it there, cut at
    `PARAMS.list_chars`; nothing when the page opens with a heading (a new section, not the rest of the
    last one) or with a group in which no sentence ends."""
    first = min(page.passages, key=lambda p: p.unit.order, default=None)
    if first is None or first.group is None or "title" in (first.unit.kind, first.group.kind):
        return None
    if not _FINISHES.search(first.group.text):
        return None  # no sentence ends in it: not the rest of one (a running head "Chapter 8: ... 38")
    groups = [first.group]
    for after in first.section if listed else ():
        if after.kind != "list" or len(" ".join(g.text for g in groups)) >= PARAMS.list_chars:
            break
        groups.append(after)
    text = clip(" ".join(" ".join(g.text for g in groups).split()), PARAMS.list_chars)
    boxes = [first.page_units[m].box for g in groups for m in g.members if m < len(first.page_units)]
    box = union_box([b for b in boxes if b is not None])
    region = Region(first.group.kind, box, text) if box is not None else first.region
    return page.page.citation(quote=text, region=region)


def _lead(passage: Passage) -> tuple[str, list[Group]]:
    """The lead's text (lead_of) and the groups it quotes (whose boxes its citation highlights)."""
    group = passage.group
    if group is None:
        return clip(_with_subject(passage, passage.text), PARAMS.lead_chars), []
    text = group.text_from(passage.text)
    taken = [group]
    limit = PARAMS.list_chars if group.kind == "list" or group.opens else PARAMS.lead_chars
    before = group.before(passage.text)
    if before and len(before) + len(text) <= limit:
        text = group.text  # the paragraph whole: its first sentence says what the best one is about
        limit += len(before) + 1  # ... at no cost to what follows the best sentence
    elif before and len(before) + len(passage.text) <= PARAMS.early_share * limit:
        text = group.text  # too long to lead whole, its best sentence early: from the start, cut at the end
    enumerating = group.opens
    completes = group.opens or group.unfinished  # the next group is taken whatever its size
    closed = group.kind == "list"  # a list ends the lead, unless its last item opens what follows
    dangling = None  # the text before a heading-shaped line the lead took last
    for n, after in enumerate(passage.section):
        more = after.text if after.lead and after.lead not in text else after.own_text
        if after.adds and taken[-1].kind == "table":
            more = after.adds  # the next row of a table the lead reads: not its header again
        fits = len(text) + len(more) <= limit
        counted = not enumerating and group.kind != "title"  # a heading leads with its body while it fits
        if not completes and (closed or not fits or counted and n >= PARAMS.section_groups):
            break
        if not completes and after.kind in ("code", "table") and _drawing(after.own_text):
            break  # a chart drawn in characters says nothing the lead's prose goes on with
        heads = after.kind == "term" or after.kind == "text" and term_shaped(more)
        dangling = text if not completes and heads else None
        text = f"{text} {more}"
        taken.append(after)
        if after.kind == "list" or after.opens:
            limit = PARAMS.list_chars
        elif completes:
            limit = max(limit, min(len(text), PARAMS.list_chars))  # what completes the group is not cut
        enumerating = enumerating or after.opens
        completes, closed = after.opens or after.unfinished, after.kind == "list"
    if dangling is not None and len(taken) <= len(passage.section):  # it heads what the lead left out
        text, taken = dangling, taken[:-1]
    led = _with_subject(passage, text)
    return clip(led, limit + len(led) - len(" ".join(text.split()))), taken  # the subject costs nothing


def _drawing(text: str) -> bool:
    """A chart drawn in characters ("MB: | :@@#:: | @@:@@@ ::"): at least `PARAMS.drawing_chars` characters,
    under `PARAMS.drawing_share` of them letters or digits, of several kinds of sign (a rule, "-----", heads
    a table's rows; a line of code such as `});` is short)."""
    flat = text.replace(" ", "")
    signs = {ch for ch in flat if not ch.isalnum()}
    return (
        len(flat) >= PARAMS.drawing_chars
        and len(signs) >= PARAMS.drawing_signs
        and sum(ch.isalnum() for ch in flat) < PARAMS.drawing_share * len(flat)
    )


def quote_of(passage: Passage) -> str:
    """A supporting quote: the candidate under its subject, after what its group carries before it (a list's
    lead-in, a code block's intro, what a paragraph points back to), and followed by the group after it when
    it is its group's last and leaves it open ("we can use a simple function:" and the function). A
    sentence of the paragraph right under a term or heading quotes that paragraph whole when it fits in
    `PARAMS.entry_quote_chars` (`_quotes_entry`): a reference entry is one unit, and the fact a question
    asks for is often a sentence or two after the one that matches it ("-n, --interval seconds — Sets the
    update interval. The command accepts no interval below 0.1 seconds; ...")."""
    group = passage.group
    if _quotes_entry(passage):
        return clip(_with_subject(passage, group.text), PARAMS.entry_quote_chars)
    text = f"{group.lead} {passage.text}" if group is not None and group.lead else passage.text
    if group is not None and group.pieces[-1] == passage.text and (group.opens or group.unfinished):
        following = passage.section[0] if passage.section else None
        if following is not None:
            text = f"{text} {following.own_text}"
    return clip(_with_subject(passage, text))


def _quotes_entry(passage: Passage) -> bool:
    """Whether a supporting quote shows its candidate's whole paragraph (quote_of)."""
    group = passage.group
    return (
        group is not None
        and passage.unit.defined
        and group.kind == "text"
        and len(_with_subject(passage, group.text)) <= PARAMS.entry_quote_chars
    )


def citation_of(passage: Passage, whole_group: bool = False) -> Citation:
    """The passage's page, quoted; its region is the candidate's box (its paragraph's when the quote shows
    it whole), or with `whole_group` (the lead) the box around what the lead shows: the run of the page's
    candidates whose text it quotes that holds the lead's own (`_shown_run`: its term, a lead-in, the
    sentences it starts from, up to where it is cut), else around the groups it takes."""
    region = passage.region
    if _quotes_entry(passage) and not whole_group:
        boxes = [passage.page_units[m].box for m in passage.group.members if m < len(passage.page_units)]
        box = union_box([b for b in boxes if b is not None])
        region = Region(passage.unit.kind, box, passage.group.text) if box is not None else region
    if whole_group:
        text, groups = passage.lead
        shown = " ".join(text.split())
        boxes = [passage.page_units[i].box for i in _shown_run(passage, shown)]
        taken = [passage.page_units[m].box for g in groups for m in g.members if m < len(passage.page_units)]
        box = union_box(boxes) or union_box([b for b in taken if b is not None])
        if box is not None:
            region = Region(passage.unit.kind, box, text)
    return passage.page.citation(quote=quote_of(passage), region=region)


def _shown_run(passage: Passage, shown: str) -> list[int]:
    """The positions of the page's candidates with a box that `shown` quotes, next to each other around the
    passage's own: a heading far above the lead, whose name the lead carries ("9.4. Massif Command-line
    Options — --depth=<number> ..."), or a table's header row over the row it quotes, is not part of what the
    page view highlights, nor is what lies between them. All of them when the passage's own is not shown."""
    units = passage.page_units
    at = {i for i, u in enumerate(units) if u.box and _opening(u.text) in shown}
    start = end = _position(units, passage.unit)
    if start not in at:
        return sorted(at)
    while start - 1 in at:
        start -= 1
    while end + 1 in at:
        end += 1
    return list(range(start, end + 1))


def _opening(text: str, chars: int = 60) -> str:
    """A candidate's first words, by which a quote that shows it is recognised (a cut quote may end in it)."""
    return " ".join(text.split())[:chars]
