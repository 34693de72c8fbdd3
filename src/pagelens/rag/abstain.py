"""Abstention signals that do not depend on the wording of particular questions, read from the analysed
question (question.py) and the pages in hand once the evidence is gathered.

A near-miss question is about a documented topic and asks for something the pages do not say, so it shares
its vocabulary with them and term coverage hardly tells it from an answerable one. These signals look
elsewhere; each that fails is a `Gap` of its own kind, lowering the part's confidence by its factor in
params.py's `AnswerParams`:
- `answer_type`: the lead passage holds no answer of the type the part asks for: no number for a number
  (digits that name rather than count do not count: a manual's section "sd_notify(3)", a note "[1]", a
  release "version 1.19.3", a list item's "1."), no release number ("version 2.4", "v3", "1.1") for a
  version, no date, duration or time word for a time, no address, path, file name or place phrase for a place
  (answer_kind.holds_type: the grammar of answers, not of any set's questions; the other types have no surface
  form whose absence would show); or the lead page never names what a yes/no part asks to exist (the
  rarest word of "is there a maximum number of rows?": a page without "maximum" cannot say yes, and its
  silence is no "no");
- `answer_type` also where the part asks for a thing its lead's own document writes as a quantity: the
  head noun of what is asked ("uid" in "what uid does www-data have?", `answer_kind.asked_heads`) stands
  beside a number in at least `numbered_share` of the places the document writes it, and at least
  `numbered_least` times ("uid 33", "uid/gid 41"), and the lead holds no number (a Majordomo note that it
  "has a statically allocated uid" does not say which). Whether a noun names a quantity is read from the
  document, not from a list of nouns (`numbered`);
- `unwritten_name`: the part names a thing in code (answer_kind.code_names: an option "--max-stackframe",
  a call "value()", an identifier "ssh_config") and its lead page never writes it (one of its terms is
  among the `absent` words): the page is about something else, however much of the rest it shares (the
  unknown-name gap asks the same of the whole library); not a one-letter option ("-b"), a name too short
  for a page's silence to say so: tar's page on "the blocking factor" need not write -b;
- `other_document`: the part names a document in hand by every word of its file name ("GNU time" for
  gnu-time.html: `lexical.named`, whole) and its lead comes from another document: the answer would be
  about something the question did not ask (a massif manual's peak for GNU time's format specifier);
- `disagreement`: the two most relevant pages come from different documents (an answer is usually found
  in one place; a near miss scatters over pages that each share some of its words);
- `semantic`: no unit of the lead page means what the part asks: the highest cosine of the part with the
  lead and the page's best passages under all-MiniLM-L6-v2 (semantic.py) stays below `semantic_floor`.
  Without the model installed, or for a question or page in a language it was not trained on (it reads
  English only: a German passage and its English paraphrase score as unrelated ones), this signal is left
  out (the lexical evidence decides alone);
- `unmet_ask`: the page means the part's subject but not what it asks of it. A near miss ("what is the
  biggest file gzip can compress?") names a documented subject and asks a relation the page does not state;
  the words of the part that the lead page lacks ("biggest") then pull its meaning away from the page: the
  part without them ("what is the file gzip can compress?") is closer to the page's best passage than the
  part is. The pull (the part's best cosine minus that of the part without its absent words, under the same
  encoder) lowers the confidence to exp(`ask_pull_slope` x pull) where the part without them still means
  the page (`subject_floor`); a paraphrase's absent words carry meaning the page has ("keep the original
  around" for "keep input files"), so the part is closer with them and nothing is lost. Words that cannot
  be on the page are not absent: the word that asks for the answer's kind ("how many/long/much") and the
  words of the lead document's own name (where to look, not what is asked). Measured with the gate as the
  answerer applies it (numbers in params.py).
An answer type is looked for in the lead and, on a page in another language than the question, in its
words' translations (extractive.glossed): "um zwei Uhr" holds a time as "zwei/deuc/twain Uhr/clock".

One signal overrules a page's gap (`Signals.waived`, `waive`): the focus gap (answer_kind.py: none of the
part's rarest words near the best passage) is dropped when the lead page means what the part asks (the
cosine above reaches `semantic_floor`, and no `unmet_ask` pull says it means the subject only) and holds at
least `paraphrase_coverage` of the part's idf weight.
The rarest words of a paraphrase are often not the page's ("switch off an add-on" for a page on disabling
plugins); a near miss's are, or the meaning differs. Measured with both sets' own questions and
the gate as the answerer applies it: on dev2 (never tuned on) 6 of the 7 answerable questions it abstained
on carried the focus gap, against 1 of its 12 unanswerable ones; on dev 1 of 64 against 8 of 23.

They apply to the part's confidence only, after the search loop: the pages' order and the lead do not
change. `pagelens eval DIR --ask` reports the trade-off curve with these gaps applied as recorded (its
cross-validation re-chooses the answer-kind factors and the threshold around them).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from math import exp, prod

from .. import semantic
from ..analysis import letter_option
from ..types import Gap
from .answer_kind import code_names, holds_type
from .extractive import PageJudgement
from .lexical import name_words, terms
from .params import PARAMS, AnswerParams

_NUMBER_TOKEN = re.compile(r"^\(?[-+]?\d+(?:[.,]\d+)*\)?[,.;:]?$")


def numbered(stems: Collection[str], texts: Sequence[str], params: AnswerParams = PARAMS) -> list[str]:
    """The stems that these texts (a document's pages) write as a quantity: a word holding one stands beside a
    number (one of the two words after it, or the word before it: "uid 33", "port 22", "33 uid") in at
    least `params.numbered_share` of its places, and at least `params.numbered_least` times."""
    seen = {stem: 0 for stem in stems}
    counted = dict(seen)
    for text in texts:
        tokens = text.split()
        for i, token in enumerate(tokens):
            lower = token.lower()
            hit = [s for s in seen if s[:4] in lower and s in terms(token)]
            if not hit:
                continue
            beside = tokens[i + 1 : i + 3] + tokens[max(i - 1, 0) : i]
            for stem in hit:
                seen[stem] += 1
                counted[stem] += any(_NUMBER_TOKEN.match(t) for t in beside)
    return [
        s
        for s in stems
        if counted[s] >= params.numbered_least and counted[s] >= params.numbered_share * seen[s]
    ]


# "how many/much/long/often ...": the word after "how" asks for the kind of answer (a number, a duration),
# which the page states as a value, not as that word.
_ASKED_KIND = re.compile(r"\bhow\s+(\w+)", re.IGNORECASE)


def absent_words(asked: str, missing: Collection[str], document: str = "") -> frozenset[str]:
    """The stems of `missing` (the part's terms its lead page lacks) that say what is asked: not the word
    that asks for the kind of answer ("how long"), nor a word of the lead document's name ("gnuplot" for
    gnuplot-manual.pdf: it says where to look)."""
    kind = {t for m in _ASKED_KIND.finditer(asked) for t in terms(m.group(1))}
    named = name_words(document)
    return frozenset(t for t in missing if t not in kind and t not in named)


def without_words(text: str, stems: Collection[str]) -> str:
    """`text` without the words all of whose terms are in `stems` (function words and punctuation stay)."""
    kept = [w for w in text.split() if not ((found := terms(w)) and all(t in stems for t in found))]
    return " ".join(kept)


@dataclass(frozen=True)
class Signals:
    """A part's abstention signals: the gaps that lower its confidence, and the kinds of the pages' own gaps
    they overrule."""

    gaps: list[Gap]
    waived: frozenset[str] = frozenset()


def signal_gaps(
    asks: str,
    asked: str,
    lead: str,
    units: Sequence[str],
    docs: Sequence[str],
    coverage: float = 0.0,
    params: AnswerParams = PARAMS,
    *,
    languages: Sequence[str] = (),
    unstated: Sequence[str] = (),
    absent: Collection[str] = (),
    named: Collection[str] = (),
    lead_doc: str = "",
    quantities: Sequence[str] = (),
) -> Signals:
    """The signals of one question part: `asks` its answer type, `asked` its text, `lead` the passage that
    would lead its answer (glossed when its page is in another language: extractive.glossed), `units` the
    lead page's best passages, `docs` the documents of its pages in order of relevance, `coverage` the
    idf-weighted share of the part the lead page holds, `languages` the part's and the lead page's,
    `unstated` what the part asks to exist (question.py's `Part.thing`) when the lead page never names it,
    `absent` the stems of the part's words that say what is asked and the lead page lacks
    (`absent_words`), `named` the documents in hand that the part names by their whole name
    (`lexical.named`, whole), `lead_doc` the lead's document and `quantities` the head nouns of what the
    part asks for that the lead's document writes as quantities (`numbered`), as the part writes them."""
    gaps = []
    waived: frozenset[str] = frozenset()
    if not holds_type(asks, lead):
        gaps.append(
            Gap("answer_type", f"an answer of the type asked ({asks.replace('_', '/')})", params.type_factor)
        )
    elif asks == "yes_no" and unstated:
        gaps.append(
            Gap(
                "answer_type",
                f"any {', '.join(unstated)} (asked whether there is one)",
                params.type_factor,
            )
        )
    elif quantities and asks not in ("number", "time", "version") and not holds_type("number", lead):
        gaps.append(Gap("answer_type", f"a number for the {', '.join(quantities)} asked", params.type_factor))
    # not a one-letter option (`letter_option`): a page may describe "the blocking factor" without its -b
    unwritten = [
        name
        for name in code_names(asked)
        if (found := set(terms(name))) & set(absent) and not any(map(letter_option, found))
    ]
    if unwritten:
        gaps.append(
            Gap(
                "unwritten_name",
                f"a page that writes {', '.join(unwritten)}",
                params.unwritten_name_factor,
            )
        )
    if named and lead_doc not in named:
        gaps.append(
            Gap(
                "other_document",
                f"a passage from {', '.join(named)} (the document the question names)",
                params.other_document_factor,
            )
        )
    if len(docs) > 1 and docs[0] != docs[1]:
        gaps.append(
            Gap(
                "disagreement",
                f"agreement of the top pages ({docs[0]}, {docs[1]})",
                params.disagreement_factor,
            )
        )
    texts = [t for t in dict.fromkeys([lead, *units]) if t.strip()]
    if texts and semantic.reads(languages) and semantic.available():
        subject = without_words(asked, absent)
        queries = [asked, subject] if subject.strip() and subject != asked else [asked]
        best, *rest = (float(c) for c in semantic.encoder().cross_similarities(queries, texts).max(axis=1))
        if best < params.semantic_floor:
            gaps.append(
                Gap(
                    "semantic",
                    f"a passage that means what is asked (best {best:.2f})",
                    params.semantic_factor,
                )
            )
        pull = best - rest[0] if rest else 0.0
        if pull < 0 and rest[0] >= params.subject_floor:
            gaps.append(
                Gap(
                    "unmet_ask",
                    f"a passage about what is asked of its subject ({rest[0]:.2f} without the words the page"
                    f" lacks, {best:.2f} with them)",
                    exp(params.ask_pull_slope * pull),
                )
            )
        elif best >= params.semantic_floor and coverage >= params.paraphrase_coverage:
            waived = frozenset({"focus"})
    return Signals(gaps, waived)


def waive(judgement: PageJudgement, kinds: Collection[str]) -> None:
    """Drop these kinds of gap from a page's judgement, and the share of confidence they took."""
    if not kinds or not any(g.kind in kinds for g in judgement.gaps):
        return
    judgement.gaps = [g for g in judgement.gaps if g.kind not in kinds]
    judgement.confidence = judgement.evidence * prod(g.factor for g in judgement.gaps)
