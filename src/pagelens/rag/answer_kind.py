"""What kind of answer a question asks for, and whether the evidence holds it: the judge's answer-type
checks. Term coverage cannot tell a near miss from an answer (a question about an undocumented default
shares all its words with the page that documents the option), so the judge also asks:
- a number ("how many", "what size", ...): is there a number next to the best passage?
- a default ("what is the default X", "when I don't pass X"): does the best passage say "default", or
  show a signature default (`NColors=32766`)?
- a name written as code (`f()`, `--opt`, `\\cmd`, `an_identifier`): is it, spelled as in the question, in
  the best passage or its neighbours? (`--max-vsize` is not `--max-ppsize` next to `--min-vsize`.)
- a named thing (a function `f()`, an option `--opt` or `\\cmd`, an `identifier_with_underscores`,
  a CamelCase or ALL-CAPS name, a capitalised name inside the sentence, the word before "package",
  "function", "option", ...): does any page of the library mention it at all? A library that never
  names the thing cannot say anything about it.
Each check that fails is a gap, named in words for the judge step, and lowers the page's confidence.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .lexical import terms

# the confidence kept when the best passage lacks it
NUMBER_FACTOR, DEFAULT_FACTOR, IDENTIFIER_FACTOR = 0.7, 0.35, 0.5
UNKNOWN_NAME_FACTOR = 0.3  # confidence kept when the question names something no page mentions
_ASKS_NUMBER = re.compile(r"\bhow (many|much|long|wide|tall|big|large|thick|often)\b|\bwhat (is the )?"
                          r"(default )?(value|number|size|width|height|period|level|limit|length|port|year|"
                          r"percentage|thickness|amount|count)\b|\bin what year\b", re.IGNORECASE)
_NUMBER = re.compile(r"\d")
_ASKS_DEFAULT = re.compile(r"\bdefaults?\b|\bwhen I (?:don't|do not) (?:pass|set|give|specify)\b"
                           r"|\bwithout (?:giving|passing|setting|specifying)\b", re.IGNORECASE)
_SAYS_DEFAULT = re.compile(r"\bdefault|\w=\d")  # the word, or a signature's default value (NColors=32766)
_CODE = (r"[A-Za-z_][\w.]*\(\)"  # a function call: density()
         r"|(?<!\w)--?[a-z][\w-]+"  # an option: --max-vsize
         r"|\\[A-Za-z]+"  # a TeX command: \toprule
         r"|\b\w+_\w+\b")  # an identifier: plain_prethree
_IDENTIFIER = re.compile(_CODE)
_NAMED = re.compile(
    _CODE +
    r"|\b[a-z]+[A-Z]\w*\b"  # camelCase
    r"|\b[A-Z]{2,}\w*\b"  # an acronym or ALL-CAPS name: MIRR
    r"|(?<=[a-z,] )[A-Z][a-z]\w*"  # a capitalised name inside a sentence: Venn, Rserve
    r"|\b[a-z]\w*(?= (?:package|function|module|option|command|variable|library)s?\b)")  # writexl package


@dataclass(frozen=True)
class AnswerKind:
    """The answer types a question asks for, and the names it asks about."""

    number: bool
    default: bool
    names: tuple[str, ...]
    identifiers: tuple[str, ...] = ()  # the names written as code: f(), --opt, \cmd, an_identifier

    @classmethod
    def of(cls, question: str) -> "AnswerKind":
        names = tuple(dict.fromkeys(m.group(0) for m in _NAMED.finditer(question)))
        identifiers = tuple(dict.fromkeys(m.group(0) for m in _IDENTIFIER.finditer(question)))
        return cls(number=bool(_ASKS_NUMBER.search(question)), default=bool(_ASKS_DEFAULT.search(question)),
                   names=names, identifiers=identifiers)

    def unknown(self, known: Callable[[str], bool]) -> list[str]:
        """The names no page of the library holds (`known`: whether any page holds a stemmed term)."""
        return [name for name in self.names if (stems := terms(name)) and not any(known(t) for t in stems)]

    def gaps(self, window: str) -> list[tuple[str, float]]:
        """What the asked-for kind of answer needs and the best passage with its neighbours lacks, each in
        words with the share of confidence it leaves."""
        out = []
        if self.number and not _NUMBER.search(window):
            out.append(("a number", NUMBER_FACTOR))
        if self.default and not _SAYS_DEFAULT.search(window):
            out.append(("a default value", DEFAULT_FACTOR))
        flat = window.lower()
        out.extend((f"{name} (as written in the question)", IDENTIFIER_FACTOR) for name in self.identifiers
                   if name.removesuffix("()").lower() not in flat)
        return out
