"""The extractive answer: for each part of the question, a lead (the best passage's whole unit, cited; from
another top page when the first's lacks the kind of answer asked and the other's, close, holds it) and
up to `PARAMS.supporting` quotes from its top pages; a part no page covers well enough is named as not
found rather than left out, and an answer with no text or no citation is never answerable (it abstains
instead).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import prod

from ..language import DEFAULT, detect
from ..types import Citation, Gap
from .evidence import EvidencePage
from .extractive import (
    PageJudgement,
    Passage,
    citation_of,
    continuation,
    lead_of,
    lead_showing,
    quote_of,
    runs_on,
)
from .lexical import named, terms
from .params import PARAMS
from .question import Part
from .rewrite import Rewrite


@dataclass
class PartEvidence:
    """One part of the question with the pages in hand judged for it, most relevant first."""

    part: Part
    best: list[PageJudgement]  # the pages in hand, most relevant first
    signals: list[Gap] = field(default_factory=list)  # abstain.py's, set once the search loop is done

    @property
    def question(self) -> str:
        return self.part.text

    @property
    def confidence(self) -> float:
        """The best confidence among the pages in hand (the page cited first is chosen by relevance), lowered
        by the part's abstention signals."""
        return max((j.confidence for j in self.best), default=0.0) * prod(g.factor for g in self.signals)

    @property
    def gaps(self) -> list[Gap]:
        """The gaps of the page that gives the part its confidence, and the part's abstention signals."""
        return (max(self.best, key=lambda j: j.confidence).gaps if self.best else []) + self.signals


@dataclass(frozen=True)
class Composed:
    text: str
    citations: list[Citation]
    answerable: bool


def compose(parts: list[PartEvidence], threshold: float) -> Composed:
    anchored = [p for p in parts if p.best and p.best[0].page.found_by == "follow-up"]
    answered = [p for p in parts if p.confidence >= threshold or p in anchored]
    lines: list[str] = []  # what stands above the parts' entries (a blank page pointed at)
    # each lead (its page, and the group it is quoted in, else its unit) -> its parts' leads, its parts, its
    # quotes' lines: a group two parts lead with (one sentence each) is shown once, read from the earlier
    # sentence and showing the other (extractive.lead_showing)
    entries: dict[tuple[str, int, str], tuple[list[Passage], list[PartEvidence], list[str]]] = {}
    citations: list[Citation] = []
    covered = []
    asked_in = detect(" ".join(p.question for p in parts)) or DEFAULT  # a quote in another language says so
    for part in answered:
        lead, quotes = chosen(part)
        if lead is None:
            if part in anchored:  # "and on the next page?" at a blank page or a picture: say so, show it
                page = part.best[0].page
                covered.append(part)
                citations.append(page.citation())
                lines.append(f"{page.label} has no text to quote: it is blank, or a picture without words.")
            continue
        covered.append(part)
        for passage in [lead, *quotes]:
            citation = citation_of(passage, whole_group=passage is lead)
            if all((c.doc_id, c.page) != (citation.doc_id, citation.page) for c in citations):
                citations.append(citation)
        key = (lead.page.doc_id, lead.page.page, lead.group.text if lead.group else lead.text)
        leads, served, shown = entries.setdefault(key, ([], [], []))
        leads.append(lead)
        served.append(part)
        for q in quotes:
            if (line := f'- "{quote_of(q)}" {q.page.label_in(asked_in)}') not in shown:
                shown.append(line)
    indent = "  " if len(parts) > 1 else ""
    for leads, served, shown in entries.values():
        lead = leads[0]
        opening = f"{lead.page.label} shows this. " if any(p.part.asks_page for p in served) else ""
        showing = lead_showing(lead, leads[1:], [p.part.terms.focus() for p in served])
        text = f"{opening}{showing} {lead.page.label_in(asked_in)}"
        if showing == lead_of(lead) and (rest := _continued(lead, served)) is not None:
            page, citation = rest
            text = (
                f"{text} {citation.quote} {page.label_in(asked_in)}"  # the lead goes on over the page break
            )
            citations.append(citation)
        questions = [p.question for p in served]
        lines.append(f"- {'; '.join(questions)}: {text}" if len(parts) > 1 else text)
        lines.extend(indent + quote for quote in shown)
    if not covered or not citations:
        return _abstention(parts)
    unanswered = [p.question for p in parts if p not in covered]
    if unanswered:
        lines.append("Not found in the library: " + "; ".join(unanswered))
    return Composed("\n".join(lines), citations, True)


def _continued(lead: Passage, served: list[PartEvidence]) -> tuple[EvidencePage, Citation] | None:
    """The rest of a lead that runs off its page (extractive.runs_on), from the next page of its document
    when that page is in hand (the search adds the neighbours of its top hits), and that page."""
    if not runs_on(lead):
        return None
    after = next(
        (
            j
            for part in served
            for j in part.best
            if j.page.doc_id == lead.page.doc_id and j.page.page == lead.page.page + 1
        ),
        None,
    )
    citation = continuation(after, lead.lead[1][-1].kind == "list") if after is not None else None
    return None if citation is None else (after.page, citation)


def no_such_page(turn: Rewrite) -> str:
    """What a turn that points past either end of a document ("and on the next page?" after its last page)
    is told: which page there is none beyond, and nothing else (no page read, none cited)."""
    last = turn.cited_pages[0]
    if turn.moves == "same":  # its document was removed since
        return f"{last.doc} is no longer in the library."
    end = "last" if turn.moves == "next" else "first"
    return f"There is no {turn.moves} page: p.{last.page} is the {end} page of {last.doc}."


def _abstention(parts: list[PartEvidence]) -> Composed:
    """No part covered: say so, with what the best pages lack: the question's words no page has, and what
    the closest page lacks in the reader's terms (a number, a default, an answer of the type asked, the
    question's key words). The other abstention signals (the top pages' documents, a cosine) are the
    answerer's reasons, not the reader's: `Answer.gaps` carries them."""
    missing: list[str] = []
    lacks: list[str] = []
    for part in parts:
        missing.extend(part.part.shown(part.best[0].missing[:3] if part.best else []))
        page_gaps = part.best[0].gaps if part.best else []
        if missing:  # the words no page has are said already; their gaps would say them again
            page_gaps = [g for g in page_gaps if g.kind not in ("focus", "unknown_name")]
        lacks.extend(g.what for g in page_gaps + [g for g in part.signals if g.kind == "answer_type"])
    said = ["The library does not answer this question."]
    if missing:
        said.append(f"No page found mentions {_listed(list(dict.fromkeys(missing)), 'or')}.")
    if lacks:
        said.append(f"The closest page lacks {_listed(list(dict.fromkeys(lacks)), 'and')}.")
    return Composed(" ".join(said), [], False)


def _listed(items: list[str], last: str) -> str:
    """`a, b or c`: an abstention says what is missing in a sentence, not as a raw list."""
    return f"{', '.join(items[:-1])} {last} {items[-1]}" if len(items) > 1 else items[0]


def _names_focus(passage: Passage, part: PartEvidence) -> bool:
    """Whether a passage (under its subject) holds one of the part's focus terms (its rarest words) and, for
    a part that carries context (a follow-up's topic, a later part's borrowed words), one of those: "and if
    the first argument is a symbol?" after a question on a function is not answered by a shell guide's
    first argument."""
    held = set(terms(f"{passage.subject} {passage.text}"))
    context = part.part.terms.context
    return not set(part.part.terms.focus()).isdisjoint(held) and (not context or not context.isdisjoint(held))


def _leads_instead(first: PageJudgement, rival: PageJudgement, score: float) -> bool:
    """Whether another top page's best passage leads in place of the first page's (`score`): when it scores
    `lead_switch` as much; or, as a page's own close candidate does, when the first lacks the kind of
    answer asked (a default, a number, a release: extractive._holds_asked) or is not in the entry of a
    thing the question names (extractive._named_entry: an option it writes in code) and the rival, scoring
    at least `lead_kind_share` as much, holds it or is in that entry ("... zu sendende Signal spezifiziert
    (standardmäßig TERM)" on the next page of a manual, for "which signal does it send by default?";
    "--time-unit=<i|ms|B> [default: i] — The time unit used for the profiling ..." on the page of the
    options, for "What does Massif's --time-unit option do?", not the example on another page that uses
    it)."""
    if (not first.holds_asked and rival.holds_asked) or (not first.named_entry and rival.named_entry):
        return rival.top_score >= PARAMS.lead_kind_share * score
    return rival.top_score > PARAMS.lead_switch * score


def chosen(part: PartEvidence) -> tuple[Passage | None, list[Passage]]:
    """The lead passage (best of the most relevant page, see `lead_switch`) and up to `supporting` more from
    the top pages: each scoring at least `quote_min_share` of the lead, a sentence rather than a bare title,
    saying something the lead and the other quotes do not already say (PARAMS), and, when it comes from
    another document than the lead, naming the part's focus (a page of another document that shares only the
    question's common words, "table" or "rule", is about something else) and, when the part names the
    documents to read ("gzip" for gzip.pdf, `lexical.named`), coming from one of those (grep's exit
    status is no answer to "what exit status does gzip return?")."""
    top = [j for j in part.best[: PARAMS.quote_pages] if j.best]
    if not top:
        return None, []
    # a page's best passage may lead in place of one that scores more (extractive._lead_first): pages and
    # quotes are weighed by their best score
    lead, score = top[0].best, top[0].top_score
    rival = max(top[1:], key=lambda j: j.top_score, default=None)
    pointed_at = lead.page.found_by == "follow-up"  # "and the next page?": that page leads
    if rival is not None and not pointed_at and _leads_instead(top[0], rival, score):
        lead, score = rival.best, rival.top_score
    named_docs = named(part.part.terms.pairs_terms, {j.page.doc for j in top})
    pool = [
        p
        for j in top
        for p in j.passages[: PARAMS.supporting + 1]
        if p is not lead
        and p.score >= PARAMS.quote_min_share * score
        and len(p.text) >= PARAMS.quote_min_chars
        and (
            p.page.doc == lead.page.doc
            or _names_focus(p, part)
            and (p.page.doc in named_docs or not named_docs)
        )
    ]
    pool.sort(key=lambda p: -p.score)
    said = [" ".join(lead_of(lead).split())]
    quotes = []
    for passage in pool:
        text = " ".join(quote_of(passage).split()).rstrip(".")
        own = " ".join(passage.text.split()).rstrip(".")  # without its subject, which the lead may not repeat
        if any(text in seen or seen in text or own in seen for seen in said):
            continue
        quotes.append(passage)
        said.append(text)
        if len(quotes) == PARAMS.supporting:
            break
    return lead, quotes
