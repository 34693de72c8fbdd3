"""What kind of answer a question asks for, and whether the evidence holds it: the judge's answer-type
checks. Term coverage cannot tell a near miss from an answer (a question about an undocumented default
shares all its words with the page that documents the option), so the judge also asks:
- a number ("how many", "what size", ...): is there a number next to the best passage other than the
  question's own ("how many blocks gave the 70% figure?" is not answered by "in 70% of the blocks")?
- a default ("what is the default X", "when I don't pass X"): does the best passage say "default", or
  show a signature default (`NColors=32766`)?
- a number the question states ("the 99% interval", "in 2006"): does the page show it? A page with the
  95% interval does not answer a question about the 99% one.
- a named thing (a function `f()`, an option `--opt` or `\\cmd`, an `identifier_with_underscores`,
  a CamelCase or ALL-CAPS name, a capitalised name inside the sentence): does any page of the library (or
  a document's name) mention it at all? A library that never
  names the thing cannot say anything about it.
A place or time asked for, and the agreement and meaning of the evidence, are abstain.py's general
signals (from question.py's answer type), not question-shape checks here.
Each check that fails is a `Gap`, named in words for the judge step, and lowers the page's confidence by
its kind's factor (params.py's `gap_factors`, chosen on the dev set; `eval --ask` cross-validates them
with the threshold).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from ..analysis import letter_option
from ..language import detect
from ..types import Gap
from .lexical import question_terms, terms, words_for
from .params import PARAMS

FAMILY: Mapping[str, str] = {
    "number": "answer",  # a number is asked for and none (but the question's own) is near the subject
    "default": "answer",  # a default is asked for and the best passage states none near the subject
    "stated_number": "answer",  # a number the question states is not on the page
    "focus": "focus",
    "unknown_name": "unknown_name",
}
_ASKS_NUMBER = re.compile(
    r"\bhow (many|much|long|wide|tall|big|large|thick|often)\b|\bwhat (is the )?"
    r"(default )?(value|number|size|width|height|period|level|limit|length|port|year|"
    r"percentage|thickness|amount|count)\b|\bin what year\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"(?<![\w.])\d+(?:,\d{3})*(?:\.\d+)?")  # not the digit of a name: hsv2rgb, β0
_RATE = re.compile(r"\s*%")  # after a number: a percentage, a rate rather than a value that keys an entry
_ASKS_DEFAULT = re.compile(
    r"\bdefaults?\b|\bwhen I (?:don't|do not) (?:pass|set|give|specify)\b"
    r"|\bwithout (?:giving|passing|setting|specifying)\b",
    re.IGNORECASE,
)
_SAYS_DEFAULT = re.compile(r"\bdefault", re.IGNORECASE)
_SIGNATURE_DEFAULT = re.compile(r"([A-Za-z_][\w.]*)=\d")  # a signature's default value: NColors=32766
_PUNCTUATION = ".,;:!?()«»\"'„“”"  # around a word, not of it
_CODE = (
    r"[A-Za-z_][\w.]*\(\)"  # a function call: density()
    r"|(?<!\w)--?[a-z][\w-]+"  # an option: --max-size
    r"|(?<![\w%-])[-%][A-Za-z](?![\w-])"  # a one-letter option or format specifier: -k, -N, %M
    r"|\\[A-Za-z]+"  # a TeX command: \toprule
    r"|\b\w+_\w+\b"  # an identifier: plain_prethree
    r"|(?<=['`‘])[^\s'`‘’]*[^\w\s'`‘’][^\s'`‘’]*(?=['`’])"  # a quoted literal with a sign in it: '.index'
)
_CAPITALISED = re.compile(r"[A-Z][a-z]\w*")
_PLAIN_CAPITALISED = re.compile(r"[A-Z][a-z]+")
_NAMED = re.compile(
    _CODE + r"|\b[a-z]+[A-Z]\w*\b"  # camelCase
    r"|\b[A-Z]{2,}\w*\b"  # an acronym or ALL-CAPS name: HTTP
    r"|(?<=[a-z,] )[A-Z][a-z]\w*"  # a capitalised name inside a sentence (a proper noun)
)


def code_names(question: str) -> tuple[str, ...]:
    """The names a question writes as code, as written: `value()`, `--max-size`, `-k`, `\\toprule`,
    `plain_prethree`, and a literal it quotes that holds a sign ('.index', 'index.coffee.md': the page writes
    it as it is; a quoted plain word is a word)."""
    return tuple(dict.fromkeys(m.group(0) for m in re.finditer(_CODE, question)))


def spells(name: str, text: str) -> bool:
    """Whether `text` spells a code name as a name, not inside a longer one: a call `value()` as `value(`
    or `value (` (not the word "value"), `--max-size` but not `--max-size-x`, `.index` but not `.index.md`
    (a dot that ends a sentence ends the name too)."""
    call = name.endswith("()")
    core = re.escape(name.removesuffix("()"))
    return bool(re.search(rf"(?<![\w\\-]){core}" + (r"\s*\(" if call else r"(?![\w-]|\.\w)"), text))


_DIGITS = r"(?<![\w.])\d+(?:[.,]\d+)*"
_NUMBER_WORDS = (
    r"\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred"
    r"|thousand|million|billion|dozen|half|twice|once|double|single)\b"
)
_TYPE_FOUND = {
    "number": re.compile(rf"{_DIGITS}|{_NUMBER_WORDS}", re.IGNORECASE),
    "time": re.compile(
        rf"{_DIGITS}|\b(?:january|february|march|april|may|june|july|august|september|october|november"
        r"|december|monday|tuesday|wednesday|thursday|friday|saturday|sunday|since|until|before|after"
        r"|during|when|while|once|whenever|first|last|then|now|today|century|decade|year|month|week|day"
        r"|hour|minute|second|version|release|night|midnight|noon|clock)s?\b",
        re.IGNORECASE,
    ),
    # a release is named by its number: "version 2.4", "release 13", "v3", "APT 1.1", "2.38.1"
    "version": re.compile(r"\b(?:versions?|releases?|v)\s*\d+\b|(?<![\w.])\d+(?:\.\d+)+\b", re.IGNORECASE),
    "place": re.compile(
        r"(?:https?|ftp)://|\bwww\.|[\w-]+\.(?:org|com|net|edu|gov|io|de|fr|uk)\b|(?:^|[\s(])[~.]?/\w"
        r"|\w\\\w|\b\w+\.\w{1,4}\b|\b(?:in|on|at|from|under|inside|into|within|below|above|near)\s+"
        r"(?:the|a|an|your|its|their|this|that|each|every|[A-Z~./$])",
        re.IGNORECASE,
    ),
}


# Digits that name or point rather than count: a manual page's section ("sd_notify(3)", "blockdev(8)"), a
# note's mark ("Generators[1]"), a pattern's range ("[0-9]"), a release ("version 1.19", "1.19.3", or glued
# to its name as PDF text extraction joins them: "dpkg1.15.4") and a list item's number after a colon or a
# sentence ("... as follows: 1. Unpack"). A lead whose only digits are these holds no amount or moment
# ("how many copies are kept?" on a page citing "sd_notify(3)"); for a time a release still counts ("since
# version 1.17" answers "when").
_NAMING_DIGITS = (
    r"[\w.-]\(\d[a-z]{0,3}\)"
    r"|\[\d+\]"
    r"|\[[^\]\s]*\d-\d[^\]\s]*\]"  # a pattern's character range: "[0-9a-zA-Z_-]*"
    r"|(?:^|(?<=[:.;\u2022])(?:/\S*)?\s+)\d{1,2}\.(?=\s+[^\W\d_])"  # glosses follow a word: "suit:/follow 1."
)
_RELEASE_DIGITS = r"\b(?:versions?|releases?)\S*\s+v?\d+(?:\.\d+)*|(?<![\d.])v?\d+(?:\.\d+){2,}"
_NOT_AMOUNT = {
    "number": re.compile(f"{_NAMING_DIGITS}|{_RELEASE_DIGITS}", re.IGNORECASE),
    "time": re.compile(_NAMING_DIGITS, re.IGNORECASE),
}


def asking_words(question: str) -> set[str]:
    """The stemmed words with which a question asks for a number or a default ("What is the default value
    of", "how many"): what it asks of its subject, not the subject."""
    spans = [m.group(0) for pattern in (_ASKS_NUMBER, _ASKS_DEFAULT) for m in pattern.finditer(question)]
    return {t for span in spans for t in question_terms(span)}


def holds_type(asks: str, text: str) -> bool:
    """Whether `text` can hold an answer of the type asked (question.py's AnswerType); the types without a
    telling surface form (names, lists, procedures, definitions, reasons, yes/no) always pass. Digits that
    name rather than count (`_NOT_AMOUNT`) hold no number or time."""
    found = _TYPE_FOUND.get(asks)
    if found is None:
        return True
    naming = _NOT_AMOUNT.get(asks)
    return bool(found.search(naming.sub(" ", text) if naming else text))


# The subject of a question: what it asks the number or default of. The object of "when I don't set the
# width option", the head noun of "default <noun> of", "what <noun> does", "how many <noun> does", "what is
# the <noun> of".
_SUBJECT_OBJECT = re.compile(
    r"\b(?:don't|do not|doesn't|without)\s+(?:pass|set|give|specify|name|choose|select)\w*\s+"
    r"(?:the |a |an |any )?((?:[\w.\-]+\s+){0,2}?[\w.\-]+?)"
    r"(?:\s+(?:option|argument|parameter|value)s?\b|[,?.]|$)",
    re.IGNORECASE,
)
_SUBJECT_HEAD = (
    re.compile(
        r"\bdefault\s+((?:[\w\-]+\s+){0,2}?[\w\-]+)\s+"
        r"(?:of|for|does|do|is|are|in|between|that|when|\?)",
        re.IGNORECASE,
    ),
    re.compile(
        r"\b(?:what|which|how many|how much)\s+((?:[\w\-]+\s+){0,2}?[\w\-]+)\s+(?:does|do|did|is|are|"
        r"was|were|will|can|could|may|might|must|shall|should|would|has|have|get|gets)\b",
        re.IGNORECASE,
    ),
    re.compile(r"\bwhat is the\s+((?:[\w\-]+\s+)?[\w\-]+)\s+of\b", re.IGNORECASE),
)
_GENERIC = frozenset(terms("value number option setting one amount kind default"))


def asked_heads(question: str) -> tuple[str, ...]:
    """The stemmed head nouns of what a question asks for: "uid" in "what uid does X have?", "interval" in
    "what is the default commit interval of ...?" (not a generic one: a value, a number, an option)."""
    found = [
        heads[-1]
        for pattern in _SUBJECT_HEAD
        for m in pattern.finditer(question)
        if (heads := [t for t in question_terms(m.group(1)) if t not in _GENERIC])
    ]
    return tuple(dict.fromkeys(found))


def subject(question: str) -> tuple[str, ...]:
    """The stemmed terms of what the question asks the number or default of (may be empty)."""
    found = [t for m in _SUBJECT_OBJECT.finditer(question) for t in question_terms(m.group(1))]
    return tuple(dict.fromkeys(t for t in [*found, *asked_heads(question)] if t not in _GENERIC))


def near(
    text: str,
    stems: Collection[str],
    mark: Callable[[str], bool],
    words: int = PARAMS.near_words,
    filler: Collection[str] = frozenset(),
) -> bool:
    """Whether a word of `text` that `mark` accepts is within `words` words of a word with one of `stems`,
    not counting the words in `filler` (a page's stop words where it is in another language than the
    question: `words` is counted in the question's language, and French or German take more small words to
    say the same: "le nombre d'erreurs au delà duquel dpkg s'arrête. Il est par défaut égal à 50")."""
    tokens = text.split()
    position, counted = [], 0
    for token in tokens:
        position.append(counted)
        counted += token.split("/")[0].strip(_PUNCTUATION).lower() not in filler
    at = [position[i] for i, token in enumerate(tokens) if set(terms(token)) & set(stems)]
    return any(abs(i - position[j]) <= words for j, token in enumerate(tokens) if mark(token) for i in at)


def gap(kind: str, what: str, factors: Mapping[str, float] = PARAMS.gap_factors) -> Gap:
    return Gap(kind=kind, what=what, factor=factors[FAMILY[kind]])


_NUMBER_WORD = re.compile(
    r"\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"(?:thir|four|fif|six|seven|eigh|nine)teen|"
    r"(?:twen|thir|for|fif|six|seven|eigh|nine)ty|"
    r"hundred|thousand|million|billion|dozen)\b",
    re.IGNORECASE,
)


def numbers(text: str) -> set[str]:
    """The numbers written in a text, as written ("99", "0.05", "56000")."""
    return {m.group(0).rstrip(".,") for m in _NUMBER.finditer(text)}


# A range a page states holds every number in it: "versions 13 and later", "5 or more", "3+", "from 5
# up to 12", "5 to 12", "5-12", "between 5 and 12" (the grammar of ranges, not of any set's questions).
_FROM = r"(?<![\w.])(\d+(?:\.\d+)?)"
_OPEN_RANGE = re.compile(
    rf"{_FROM}\s*(?:\+|(?:and|or)\s+(?:later|above|higher|newer|greater|more|over|up)\b|onwards?\b)",
    re.IGNORECASE,
)
_CLOSED_RANGE = re.compile(
    rf"(?:\bbetween\s+){_FROM}\s+and\s+(\d+(?:\.\d+)?)(?![\w.])"
    rf"|{_FROM}\s*(?:-|–|\bto\b|\bup\s+to\b|\bthrough\b)\s*(\d+(?:\.\d+)?)(?![\w.])",
    re.IGNORECASE,
)


def in_stated_range(value: float, text: str) -> bool:
    """Whether a range the text states holds `value` ("Stata 14" in "versions 13 and later")."""
    if any(float(m.group(1)) <= value for m in _OPEN_RANGE.finditer(text)):
        return True
    for m in _CLOSED_RANGE.finditer(text):
        low, high = (float(g) for g in m.groups() if g is not None)
        if low < high and low <= value <= high:
            return True
    return False


def _holds_number(text: str, own: set[str]) -> bool:
    """Whether a text holds a number other than the question's own (`own`), in digits or words ("eight";
    not "one", which is mostly a pronoun), and other than digits that name or point (`_NOT_AMOUNT`:
    "apt-transport-mirror(1)" counts nothing)."""
    return bool(numbers(_NOT_AMOUNT["number"].sub(" ", text)) - own) or bool(_NUMBER_WORD.search(text))


def _value(number: str) -> float:
    """A number's value, so that 56000.000 shows 56000 and 0.05 shows 5% (thousands commas dropped)."""
    return float(number.replace(",", ""))


@dataclass(frozen=True)
class AnswerKind:
    """The answer types a question asks for, and the names and numbers it states."""

    number: bool
    default: bool
    names: tuple[str, ...]
    stated: tuple[str, ...] = ()  # the numbers the question states
    keys: tuple[str, ...] = ()  # those of them that may key an entry (not a percentage: `states_key`)
    subject: tuple[str, ...] = ()  # stemmed terms of what the number or default is asked of
    subject_words: str = ""  # those terms as the question writes them, for messages
    heads: tuple[str, ...] = ()  # stemmed head nouns of what it asks for (`asked_heads`)

    @classmethod
    def of(cls, question: str) -> "AnswerKind":
        names = tuple(dict.fromkeys(m.group(0) for m in _NAMED.finditer(question)))
        if detect(question) == "de":  # German capitalises every noun: a capitalised word is no name there
            names = tuple(n for n in names if not _CAPITALISED.fullmatch(n))
        stated = tuple(sorted(numbers(question)))
        found = _NUMBER.finditer(question)
        bare = {m.group(0).rstrip(".,") for m in found if not _RATE.match(question, m.end())}  # no rate
        asked_of = subject(question)
        return cls(
            number=bool(_ASKS_NUMBER.search(question)),
            default=bool(_ASKS_DEFAULT.search(question)),
            names=names,
            stated=stated,
            keys=tuple(n for n in stated if n in bare),
            subject=asked_of,
            subject_words="/".join(words_for(list(asked_of), question)),
            heads=asked_heads(question),
        )

    @property
    def entry_names(self) -> tuple[str, ...]:
        """The names that can head an entry of their own: written in code or with capitals inside
        (ServerAliveInterval, --threshold), not a plain capitalised word ("Host", "Massif"), which names
        what a whole section or manual is about as often as one entry."""
        return tuple(n for n in self.names if not _PLAIN_CAPITALISED.fullmatch(n))

    def _states_default(self, word: str) -> bool:
        """The word "default", or a signature default of the subject (NColors=32766 for colors, not
        col=2 for a width)."""
        return bool(_SAYS_DEFAULT.search(word)) or any(
            set(terms(m.group(1))) & set(self.subject) for m in _SIGNATURE_DEFAULT.finditer(word)
        )

    def states_key(self, key: str) -> bool:
        """Whether the question states the number that keys a candidate (units.Unit.key: a table row's first
        cell, an entry's tag), by value: "period 6" keys the row "6.000 32069.354 ...", "exits with 2" the
        entry tagged "2"; a percentage ("at 12%") is a rate, not the row of period 12."""
        flat = key.strip(_PUNCTUATION)
        return bool(_NUMBER.fullmatch(flat)) and any(_value(flat) == _value(n) for n in self.keys)

    def unknown(self, known: Callable[[str], bool]) -> list[str]:
        """The names no page of the library holds (`known`: whether any page holds a stemmed term); not a
        one-letter option (`analysis.letter_option`)."""
        return [
            name
            for name in self.names
            if (stems := terms(name)) and not any(known(t) or letter_option(t) for t in stems)
        ]

    def gaps(self, window: str, page_text: str = "", filler: Collection[str] = frozenset()) -> list[Gap]:
        """What the asked-for kind of answer needs and the best passage with its neighbours (`window`) or
        its page lacks (`filler`: words not counted in the distance to the subject, `near`)."""
        out = []
        own = set(self.stated)
        if self.number and not (
            near(window, self.subject, lambda w: _holds_number(w, own), filler=filler)
            if self.subject
            else _holds_number(window, own)
        ):
            out.append(
                gap(
                    "number",
                    "a number"
                    + (" other than the question's own" if own else "")
                    + (f" next to {self.subject_words}" if self.subject else ""),
                )
            )
        if self.default and not (
            near(window, self.subject, self._states_default, filler=filler)
            if self.subject
            else _SAYS_DEFAULT.search(window) or _SIGNATURE_DEFAULT.search(window)
        ):
            of = f" of {self.subject_words}" if self.subject else ""
            out.append(gap("default", f"a default value{of}"))
        page_text = page_text or window
        shown = {_value(n) for n in numbers(page_text)}
        unseen = [
            n
            for n in self.stated
            if not {_value(n), _value(n) / 100} & shown
            and not re.search(rf"(?<![\d.]){re.escape(n)}(?!\d)", page_text)  # glued: ISO8601
            and not in_stated_range(_value(n), page_text)
        ]
        if unseen:
            out.append(gap("stated_number", f"{', '.join(unseen)} (stated in the question)"))
        return out
