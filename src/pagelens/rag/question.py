"""One analysed question: the turn read once, at the entry of the answer loop (`analyse`), into a typed record
that every later step reads instead of the question's text.

`Question` holds the turn as typed and as a standalone query (a follow-up's rewrite), whether it is a
follow-up, the words it carries from earlier turns, and its parts (`parts_of`: conjunctions, "and
when/where/why" clauses, enumerations, "compare X and Y"). Each `Part` holds what it asks (its text without
the place it names), that place ("in the user guide's worked example": where to look), the first part's
key words a later part borrows ("how long are they kept?": as context, like a follow-up's), its weighted terms
(`QuestionTerms`: idf weights, word pairs, focus, the names and numbers it states) and the type of answer it
asks for (`AnswerType`), read from the interrogative's grammar alone:

| type       | asked as                                                                 |
|------------|--------------------------------------------------------------------------|
| number     | "how many/much/long/...", "what is the size/value/number/... of"           |
| version    | "which/what (...) version/release", "since which version"                |
| time       | "when", "since when", "what year/date/time/day"                          |
| place      | "where"                                                                  |
| reason     | "why", "for what reason", "how come"                                     |
| procedure  | "how do/can/should I ...", "how to", "what steps/command ..."           |
| yes_no     | an auxiliary first ("is/can/should/does ...") and no question word       |
| definition | "what is/are X", "what does X mean", "define X", "what is meant by X"    |
| list       | "list", "name the", "what are the (kinds/types/...) of", "which ... are" |
| name       | "which X", "who", "what X does/is ..."                                   |
| other      | anything else                                                            |
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from ..analysis import CorpusStats, joined_words, letter_option
from ..language import DEFAULT, detect
from .answer_kind import AnswerKind, code_names
from .lexical import initialisms, question_terms, stem_words, terms, words_for
from .params import PARAMS
from .rewrite import AUXILIARY, Rewrite, parts_of, split_place

AnswerType = Literal[
    "number",
    "version",
    "time",
    "place",
    "reason",
    "procedure",
    "yes_no",
    "definition",
    "list",
    "name",
    "other",
]
_ANSWER_KIND_WORDS = frozenset(terms("many much default"))

_LEAD_IN = re.compile(r"^\s*(?:(?:and|but|so|also|then|ok|okay|now)\b[\s,]*)+", re.IGNORECASE)
_TYPE_RULES: tuple[tuple[AnswerType, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in (
        ("reason", r"^why\b|\bfor what reason\b|^how come\b|\bwhat is the reason\b"),
        (  # "which version of X", "which X release was ..." (not "which release notes ...")
            "version",
            rf"\b(?:which|what)\s+(?:[\w.-]+\s+)?(?:version|release)s?\s*(?:[?,.]|$|of\b|(?:{AUXILIARY})\b)",
        ),
        ("time", r"^(?:since )?when\b|\b(?:what|which|in what) (?:year|date|time|day|month|version)s?\b"),
        ("place", r"^where\b"),
        (
            "number",
            r"^how (?:many|much|long|often|far|big|large|wide|tall|high|old|fast|thick)\b"
            r"|\bwhat (?:is |are )?(?:the )?(?:\w+ )?(?:value|number|size|width|height|length|limit"
            r"|percentage|amount|count|resolution|frequency|range|rate)s? (?:of|for|does|do|is|in)\b",
        ),
        (
            "procedure",
            rf"^how (?:(?:{AUXILIARY}) (?:i|we|you|one|they|it)\b|to\b)"
            r"|\bwhat (?:steps|command|commands|procedure)\b|\bwhat (?:should|must|do) (?:i|we|you) do\b",
        ),
        (
            "definition",
            r"^what (?:is|are) (?:an? |the )?[^ ,?]+(?: [^ ,?]+)?\s*\??$|\bmean\b|^define\b|meant by",
        ),
        ("list", r"^(?:list|name)\b|\bwhat (?:are|were) (?:the |all )|\bwhat (?:kinds|types|sorts) of\b"),
        ("name", rf"^(?:which|who|whom|whose)\b|^what (?!(?:{AUXILIARY}|if|about)\b)\w+ \w"),
        ("yes_no", rf"^(?:{AUXILIARY})\b"),
    )
)
# A fronted adverbial clause is not the interrogative: "When I'm done plotting, how do I close it?" asks for a
# procedure, "If the file is missing, what does R do?" for a name; the main clause after the comma decides.
_FRONTED_CLAUSE = re.compile(
    r"^(?:when|whenever|if|once|after|before|while|since|unless)\s+[^,?]{3,80},\s*"
    rf"(?=(?:what|which|how|where|when|why|who|whom|whose|{AUXILIARY})\b)",
    re.IGNORECASE,
)
# "Is there a maximum number of rows ...?": the thing a question asks to exist, up to a preposition or a
# relative word; not "is there a way to change it?", whose infinitive asks for a means (a procedure).
_EXISTENCE = re.compile(
    r"^(?:is|are|was|were)\s+there\s+(?:(?:a|an|any|some)\s+)?"
    r"(?P<thing>(?:(?!(?:of|that|which|who|to|for|in|on|at|with|from|by|than|when|where|if)\b)[\w-]+\s*)+)"
    r"(?P<rest>[^?]*)",
    re.IGNORECASE,
)
_INFINITIVE = re.compile(
    r"^to\s+(?!(?:the|a|an|this|that|these|those|its|their|his|her|my|your|our|each|every|any|all)\b)\w",
    re.IGNORECASE,
)
_WHICH_PAGE = re.compile(
    r"\b(which|what)\s+(page|slide|figure|plot|diagram|picture|image|illustration|graph|chart)"
    r"s?\b(?!\s+(?:number|size|type|kind)\b)",
    re.IGNORECASE,
)


def answer_type(text: str) -> AnswerType:
    """The type of answer a question (one part) asks for, from its interrogative (table in the module doc)."""
    asked = _LEAD_IN.sub("", " ".join(text.split())).strip()
    asked = re.sub(r"^(?:in|within|for|on|under|according to)\s+[^,?]{3,80},\s*", "", asked, flags=re.I)
    asked = _FRONTED_CLAUSE.sub("", asked)
    for kind, pattern in _TYPE_RULES:
        if pattern.search(asked):
            return kind
    return "other"


def existence(text: str) -> tuple[str, ...]:
    """The terms of the thing a yes/no question asks to exist ("is there a maximum number of rows?":
    maximum, number), () for any other question."""
    match = _EXISTENCE.match(_LEAD_IN.sub("", " ".join(text.split())).strip())
    if not match or _INFINITIVE.match(match.group("rest")):
        return ()
    return tuple(question_terms(match.group("thing")))


@dataclass
class QuestionTerms:
    """A question's terms weighted by idf, with what retrieval-free checks need to know of its words."""

    text: str
    weights: dict[str, float]  # stemmed term -> idf
    pairs: list[tuple[str, str]]  # consecutive content terms of the question
    pairs_terms: list[str] = field(default_factory=list)  # the question's own terms, in order
    kind: AnswerKind = AnswerKind(number=False, default=False, names=())  # of the question's own words
    unknown: list[str] = field(default_factory=list)  # names in the question that no page mentions
    initialisms: frozenset[str] = frozenset()  # abbreviations of names the question spells out (npv)
    code: tuple[str, ...] = ()  # the names it writes as code (answer_kind.code_names)
    subject: tuple[str, ...] = ()  # a follow-up's subject taken from the chat (Rewrite.subject), stemmed
    language: str = ""  # the turn's, where it was given
    asks: str = "other"  # the answer type its part asks for (Part.asks), which a lead should hold
    # a term the library writes for two adjacent words of the question -> their terms ("usernam" for "user
    # name": analysis.joined_words)
    joined: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return sum(self.weights.values())

    @classmethod
    def of(
        cls,
        question: str,
        stats: CorpusStats,
        context: Sequence[str] = (),
        language: str | None = None,
        subject: Sequence[str] = (),
    ) -> "QuestionTerms":
        """Terms of a question weighted by idf; `context`: words a follow-up carries from earlier turns,
        weighted `PARAMS.context_weight` as much (they say where to look; the turn's own words say what is
        asked); `subject`: the chat's focus words a follow-up without a subject of its own is about ("what
        is that option's default?"), counted among its focus where the context weighs them (their weight
        stays the context's: weighed as the turn's own words, dev2 lost a turn); `language`: the whole
        turn's (a short part alone is easily misread: "Where do PID files go")."""
        order = question_terms(question, language)
        about = tuple(t for t in question_terms(" ".join(subject), language) if t not in order)
        # a one-letter option no page holds weighs nothing (`letter_option`): its absence is no gap
        weights = {t: stats.idf(t) for t in order if stats.mentions(t) or not letter_option(t)}
        for term in question_terms(" ".join(context), language):
            weights.setdefault(term, PARAMS.context_weight * stats.idf(term))
        pairs = [(a, b) for a, b in zip(order, order[1:]) if a != b]
        kind = AnswerKind.of(question)
        return cls(
            text=" ".join([question, *context]),
            weights=weights,
            pairs=pairs,
            pairs_terms=order,
            kind=kind,
            unknown=kind.unknown(stats.mentions),
            initialisms=frozenset(initialisms(question)),
            code=code_names(question),
            subject=about,
            language=language or "",
            joined=joined_words(question, stats.frequency, language or DEFAULT),
        )

    def focus(self, count: int = PARAMS.focus_terms) -> list[str]:
        """The question's rarest terms (its own words and a follow-up's subject only, not the context a
        follow-up carries, nor the words that ask for a kind of answer: "how many", "by default")."""
        own = [t for t in self.pairs_terms if t in self.weights and t not in _ANSWER_KIND_WORDS]
        top = sorted(dict.fromkeys(own), key=lambda t: -self.weights[t])[:count]
        return top + [t for t in self.subject if t in self.weights and t not in top]

    def halves(self, found: Iterable[str]) -> list[str]:
        """The terms of the question's two words that a joined term among `found` writes as one: a unit
        holding "usernames" holds "user name" for the question."""
        return [t for term in found if term in self.joined for t in self.joined[term]]

    @property
    def context(self) -> set[str]:
        """The terms it carries as context (a follow-up's topic, a later part's borrowed words, a place)."""
        return set(self.weights) - set(self.pairs_terms)

    def coverage(self, found: set[str]) -> float:
        total = self.total
        return sum(w for t, w in self.weights.items() if t in found) / total if total else 0.0

    def missing(self, found: set[str]) -> list[str]:
        return sorted((t for t in self.weights if t not in found), key=lambda t: -self.weights[t])


@dataclass(frozen=True)
class Part:
    """One part of a question: what it asks, where it says to look, its terms and the answer type asked."""

    text: str  # the part as asked (a later part may borrow the first part's key words)
    asked: str  # the part without the place it names
    place: str  # where to look ("in the keynote talk"), "" when the part names none
    asks: AnswerType
    terms: QuestionTerms
    asks_page: bool = False  # "which page/slide/figure shows ...": the page is the answer
    # the terms of what it asks to exist ("is there a maximum ...?", `existence`)
    exists: tuple[str, ...] = ()
    words: dict[str, str] = field(default_factory=dict)  # its stems -> its words as written (stem_words)

    def words_for(self, stems: Sequence[str]) -> list[str]:
        """The part's own words for these stems (lexical.words_for, without reading its text again)."""
        return words_for(list(stems), self.words)

    def shown(self, stems: Sequence[str]) -> list[str]:
        """The reader's words for these stems, for a message: the part's own, or where none of them is
        among the stems, those the turn carries from earlier turns ("No page found mentions Node.js", not
        its stems "node.j, node or js")."""
        own = [s for s in stems if s in self.words]
        return self.words_for(own) if own else words_for(list(stems), self.terms.text)

    @property
    def thing(self) -> list[str]:
        """The rarest term of what the part asks to exist (none when it asks no "is there ...?")."""
        return sorted(self.exists, key=lambda t: -self.terms.weights.get(t, 0.0))[:1]


@dataclass(frozen=True)
class Question:
    """The turn, analysed once (`analyse`)."""

    text: str  # as typed (cleaned, cut to the query limit)
    query: str  # the standalone question (a follow-up's rewrite)
    follow_up: bool
    parts: tuple[Part, ...]
    context: tuple[str, ...]  # words carried from earlier turns (rules rewrite only)
    turn: Rewrite  # pages pointed at and cited last (follow-ups)
    language: str = DEFAULT  # the turn's language, detected once on the whole standalone question

    @property
    def asks(self) -> AnswerType:
        """The answer type of the first part (the whole question's, when it has one part)."""
        return self.parts[0].asks

    @property
    def focus(self) -> list[str]:
        """The rarest terms of each part (stemmed), in part order."""
        return list(dict.fromkeys(t for part in self.parts for t in part.terms.focus()))

    @property
    def place(self) -> str:
        return next((p.place for p in self.parts if p.place), "")


def analyse(text: str, turn: Rewrite, stats: CorpusStats, *, rules_rewrite: bool = True) -> Question:
    """The record of a turn: `turn` is its standalone form (rewrite.py, or a model's rewrite when
    `rules_rewrite` is False: then no words are carried, the model's query holds them)."""
    context = list(turn.carried_terms) if rules_rewrite else []
    language = detect(turn.query) or DEFAULT
    parts = []
    for own, borrowed in parts_of(turn.own if context else turn.query):
        # the words a part borrows from the first say what it is about, as a follow-up's carried words do:
        # context, weighed `PARAMS.context_weight` as much as the part's own words
        part_text = f"{own} ({' '.join(borrowed)})" if borrowed else own
        asked, place = split_place(own)
        terms_ = QuestionTerms.of(
            asked,
            stats,
            [*context, *borrowed, *filter(None, [place])],
            language,
            subject=turn.subject if rules_rewrite else (),
        )
        terms_.text = " ".join([part_text, *context])
        terms_.asks = answer_type(asked)
        parts.append(
            Part(
                text=part_text,
                asked=asked,
                place=place,
                asks=terms_.asks,
                terms=terms_,
                asks_page=bool(_WHICH_PAGE.search(part_text)),
                exists=existence(asked),
                words=stem_words(part_text),
            )
        )
    return Question(
        text=text,
        query=turn.query,
        follow_up=turn.follow_up,
        parts=tuple(parts),
        context=tuple(context),
        turn=turn,
        language=language,
    )
