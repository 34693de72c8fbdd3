"""The agentic answer loop: rewrite -> decompose -> search -> read (with page-graph neighbours) -> judge ->
search again for what is missing (bounded by `agent_max_steps` and `agent_time_budget_s`) -> answer with
`[doc p.N]` citations, or say that the library does not answer.

`iter_ask` yields each `Step` as it happens and finally the `Answer` (for streaming UIs); `ask` returns
the `Answer` alone. Every backend goes through the same loop; a generative backend that fails, returns
garbage or cites pages it was not shown gets an `error` step and the extractive answer instead.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from math import ceil

from ..bilingual import dictionaries
from ..config import Settings
from ..furniture import NONE, Furniture, furniture_of
from ..inputs import bounded_history, clean_text
from ..types import Answer, Corpus, Gap, Step, page_key
from .abstain import absent_words, numbered, signal_gaps, waive
from .answerer import Answerer, BackendError, Conversation
from .backends import backend_for
from .compose import PartEvidence, chosen, compose, no_such_page
from .evidence import EvidencePage, EvidencePool
from .extractive import (
    Gloss,
    PageJudgement,
    citation_of,
    closing_heading,
    glossed,
    glosser,
    lead_of,
    rank_pages,
)
from .lexical import named, terms
from .model_reply import shown_pages, validate
from .params import PARAMS
from .question import Part, Question, analyse
from .rewrite import message_text, rewrite, role_of


def _sufficient(part: PartEvidence) -> bool:
    """Whether the evidence covers the part well enough to stop searching (not the abstention gate)."""
    return part.confidence >= PARAMS.search_more_below and not (part.best and part.best[0].missing)


def ask(
    library: Corpus,
    question: str,
    history: Sequence[object] | None = None,
    *,
    settings: Settings,
    k: int | None = None,
    backend: Answerer | str | None = None,
) -> Answer:
    """The Answer alone (the last item `iter_ask` yields)."""
    items = list(iter_ask(library, question, history, settings=settings, k=k, backend=backend))
    return items[-1]


def iter_ask(
    library: Corpus,
    question: str,
    history: Sequence[object] | None = None,
    *,
    settings: Settings,
    k: int | None = None,
    backend: Answerer | str | None = None,
) -> Iterator[Step | Answer]:
    """Steps as they happen, then the Answer; the last item is always the Answer.

    `backend`: an Answerer, or a backend name resolved with `settings`; default `settings.llm_backend`.
    The backend is closed (its connections released) however the iteration ends: finished, failed, or
    stopped early by the consumer.
    """
    history = bounded_history(history, settings.max_query_chars)  # the question itself is cut in _loop
    steps: list[Step] = []
    generator: Answerer | None = None

    def step(kind: str, title: str, detail: str = "") -> Step:
        steps.append(Step(kind=kind, title=title, detail=detail))
        return steps[-1]

    chosen = _backend_or_error(settings, backend, step)
    if isinstance(chosen, Step):
        yield chosen
    else:
        generator = chosen
    try:
        yield from _loop(library, question, history, settings, k, generator, steps, step)
    finally:
        if generator is not None:
            generator.close()


def _loop(
    library: Corpus,
    question: str,
    history,
    settings: Settings,
    k: int | None,
    generator: Answerer | None,
    steps: list[Step],
    step,
) -> Iterator[Step | Answer]:
    question = clean_text(question or "")
    if not question:
        yield step("error", "Empty question", "Type a question about the documents in the library.")
        yield Answer(text="Please ask a question.", citations=[], steps=steps, answerable=False)
        return
    deadline = time.monotonic() + settings.agent_time_budget_s
    k = k or settings.k
    if len(question) > settings.max_query_chars:
        question = question[: settings.max_query_chars].rsplit(" ", 1)[0]
        yield step(
            "error",
            f"Question cut to its first {settings.max_query_chars} characters",
            "Ask one thing at a time: a long text is not a question the library can look up.",
        )
    stats = library.statistics()
    history = [m for m in history or [] if isinstance(m, dict) and role_of(m) in ("user", "assistant")]
    turn = rewrite(question, history, stats.idf)
    conversation = Conversation(
        messages=[
            {"role": role_of(m), "content": clean_text(message_text(m))}
            for m in history
            if message_text(m).strip()
        ],
        focus=list(turn.focus),
        cited=[f"[{a.doc} p.{a.page}]" for a in turn.cited_pages],
    )
    rewritten_by = "rules"
    if turn.follow_up and generator is not None:
        try:
            rewritten = generator.rewrite(question, conversation)
            if rewritten:
                turn.query = rewritten
                turn.carried_terms, rewritten_by = [], generator.name
        except BackendError as err:
            yield step(
                "error", f"{generator.name} could not rewrite the follow-up; answering extractively", str(err)
            )
            generator = None
    if turn.follow_up:
        yield step(
            "rewrite",
            f"Follow-up rewritten ({rewritten_by}): {turn.query}",
            "carried from earlier turns: "
            + (", ".join(turn.carried_terms) or "nothing")
            + (
                "; pages pointed at: " + ", ".join(f"[{a.doc} p.{a.page}]" for a in turn.anchor_pages)
                if turn.anchor_pages
                else ""
            ),
        )
    asked = analyse(question, turn, stats, rules_rewrite=rewritten_by == "rules")
    if len(asked.parts) > 1:
        yield step("decompose", f"{len(asked.parts)} parts", "\n".join(f"- {p.text}" for p in asked.parts))

    pool = EvidencePool()
    anchored = _add_anchors(library, asked, pool)
    if anchored:
        yield step("read", f"Pages the question points at: {', '.join(p.label for p in anchored)}")
    elif turn.moves:  # "and on the next page?" after a document's last page: nothing to read, nothing to cite
        text = no_such_page(turn)
        yield step("answer", text)
        yield Answer(text=text, citations=[], steps=steps, answerable=False, confidence=0.0)
        return
    searches = 0
    for n, part in enumerate(asked.parts):
        yield _search(library, " ".join([part.text, *asked.context]), k, pool, step, part=n)
        searches += 1
    yield _add_neighbours(library, pool, step)
    parts = [PartEvidence(p, []) for p in asked.parts]
    gloss = glosser(asked.language, dictionaries(settings), " ".join([asked.query, *asked.context]))
    for n, part in enumerate(parts):
        part.best = _rank(library, part.part, pool, n, asked, gloss)
    yield _judge_step(parts, step)

    while (
        not all(_sufficient(p) for p in parts)
        and searches < settings.agent_max_steps
        and time.monotonic() < deadline
    ):
        new_pages = 0
        for n, part in enumerate(parts):
            if _sufficient(part):
                continue
            missing = part.best[0].missing if part.best else list(part.part.terms.weights)
            if not missing:
                continue
            query = " ".join(part.part.words_for(missing))
            before = len(pool)
            yield _search(
                library,
                query,
                k,
                pool,
                step,
                why=f"looking for what is missing in: {part.question}",
                share=max(part.part.terms.coverage(set(missing)), 1e-3),
                part=n,
            )
            searches += 1
            new_pages += len(pool) - before
        if not new_pages:
            break
        for n, part in enumerate(parts):
            part.best = _rank(library, part.part, pool, n, asked, gloss)
        yield _judge_step(parts, step)

    for part in parts:
        part.signals = _signals(library, part, asked, gloss)
    composed = compose(parts, settings.answer_min_confidence)
    draft_text, citations, answerable = composed.text, composed.citations, composed.answerable
    decisive = max(parts, key=lambda p: p.confidence)  # compose answers when any part passes the gate
    if generator is not None:
        shown = shown_pages(parts, anchored, settings.agent_read_pages)
        yield step(
            "read", f"Showing {len(shown)} pages to {generator.name}", ", ".join(p.label for p in shown)
        )
        try:
            reply = generator.answer(asked.query, shown, conversation)
        except BackendError as err:
            yield step("error", f"{generator.name} failed; answering extractively", str(err))
        except Exception as err:  # a model that crashes must not take the app down
            yield step(
                "error", f"{generator.name} crashed; answering extractively", f"{type(err).__name__}: {err}"
            )
        else:
            passages = {j.page.key: citation_of(j.best) for part in parts for j in part.best if j.best}
            outcome = validate(reply, shown, passages, step)
            for item in outcome.steps:
                yield item
            if outcome.answer is not None:
                draft_text, citations, answerable = outcome.answer
    if answerable and not (draft_text.strip() and citations):  # never an answer with nothing to show
        draft_text, citations, answerable = "The library does not answer this question.", [], False
    if answerable:
        yield step("answer", f"Answered citing {', '.join(c.label for c in citations)}")
    else:
        yield step("answer", "The library does not answer this question")
    yield Answer(
        text=draft_text,
        citations=citations if answerable else [],
        steps=steps,
        answerable=answerable,
        confidence=decisive.confidence,
        gaps=decisive.gaps,
    )


def _search(
    library: Corpus,
    query: str,
    k: int,
    pool: EvidencePool,
    step,
    why: str = "",
    share: float = 1.0,
    part: int = 0,
) -> Step:
    """Search and add the hits to the pool. A search for `share` of the question's weight (the terms a
    page lacked) ranks its hits behind the question's own: hit n counts as rank n / share, so the rank
    prior of a page that holds only the question's incidental words ("whatever platform") stays below that
    of the question's own top hits. The ranks are the `part`'s (its index): each part of a question is
    ranked by its own searches, not by the hits of another part's."""
    try:
        hits = library.search(query, k)
    except ValueError as err:  # a query the library refuses (nothing searchable in it)
        return step("error", f"Search refused: {query}", str(err))
    new = 0
    for rank, hit in enumerate(hits, start=1):
        new += pool.add(EvidencePage.from_hit(hit, ceil(rank / share)), part)
    top = ", ".join(f"[{h.doc} p.{h.page}]" for h in hits[:5])
    notes = "".join(f"{note}\n" for note in library.search_notes(query))  # translations, missing dictionaries
    detail = (why + "\n" if why else "") + notes + f"top: {top or 'nothing'}; {new} new pages"
    return step("search", f"Searched: {query}", detail)


def _add_anchors(library: Corpus, asked: Question, pool: EvidencePool) -> list[EvidencePage]:
    """Pages the turn points at ("the next page"), returned; for another follow-up, the pages the last
    answer cited from the document it led with join the pool as candidates (found_by "previous")."""
    turn = asked.turn
    refs = turn.anchor_pages or (turn.topic_pages[: PARAMS.previous_pages] if turn.follow_up else [])
    if not refs:
        return []
    ids = {d.name: d.doc_id for d in library.documents()}
    keys = [page_key(ids[a.doc], a.page) for a in refs if a.doc in ids]
    found_by = "follow-up" if turn.anchor_pages else "previous"
    pages = [EvidencePage.from_page(p, found_by) for p in library.get_pages(keys)] if keys else []
    for page in pages:
        pool.add(page)
    return pages if turn.anchor_pages else []


def _add_neighbours(library: Corpus, pool: EvidencePool, step) -> Step:
    """The page graph: pages adjacent to the top hits, and pages similar to the best one."""
    top = sorted((p for p in pool.pages() if p.rank), key=lambda p: p.rank)[: PARAMS.neighbour_of_top]
    keys = [page_key(p.doc_id, p.page + d) for p in top for d in (-1, 1) if p.page + d >= 1]
    keys = [key for key in keys if key not in pool]
    added = [EvidencePage.from_page(p, "neighbour") for p in library.get_pages(keys)]
    for page in added:
        pool.add(page)
    similar: list[EvidencePage] = []
    if top:
        key_terms = _salient_words(top[0].text)
        if key_terms:
            for hit in library.search(" ".join(key_terms), PARAMS.similar_pages + 1):
                page = EvidencePage.from_hit(hit, 0)
                page.found_by = "similar"
                if pool.add(page):
                    similar.append(page)
    labels = ", ".join(p.label for p in added + similar)
    return step(
        "read",
        f"Page graph: {len(added)} adjacent and {len(similar)} similar pages",
        labels or "no new pages",
    )


def _salient_words(text: str, count: int = PARAMS.salient_words) -> list[str]:
    """The most repeated longer words of a page, as a 'more like this page' query."""
    from collections import Counter

    words = Counter(w.lower() for w in text.split() if len(w) >= PARAMS.salient_word_chars and w.isalpha())
    return [w for w, _ in words.most_common(count)]


def _rank(
    library: Corpus, part: Part, pool: EvidencePool, n: int, asked: Question, gloss: Gloss | None = None
) -> list[PageJudgement]:
    """The pool's pages judged for part `n`, most relevant first."""
    pages = pool.pages(n)
    # A turn that points at pages ("and on the next page?") asks what is on them: the answer and its quotes
    # come from those pages alone, not from another document that shares the topic's words.
    pointed = [p for p in pages if p.found_by == "follow-up"]
    pages = pointed or pages
    furniture = furniture_of(library, {(p.doc, p.doc_id) for p in pages})
    _carry_headings(library, pages, furniture, pool.carried)
    judged = rank_pages(part.terms, pages, furniture, gloss, library.statistics().frequency, pool.units)
    _discount_said(judged, asked, part)
    turn = asked.turn
    named_docs = named(part.terms.pairs_terms, {j.page.doc for j in judged})

    def relevance(j: PageJudgement) -> float:
        bonus = PARAMS.previous_bonus if j.page.found_by == "previous" else 0.0
        bonus += PARAMS.named_doc_bonus if j.page.doc in named_docs else 0.0
        return j.relevance + bonus + (PARAMS.cited_doc_bonus if j.page.doc in turn.cited_docs else 0.0)

    return sorted(judged, key=lambda j: -relevance(j))


def _carry_headings(
    library: Corpus, pages: list[EvidencePage], furniture: dict[str, Furniture], known: dict[str, str]
) -> None:
    """Sets each page's `carried` heading: the heading in force at the end of the page before it in its
    document, which the page's first lines sit under when a section goes on over the page break (the rest
    of "path.join([...paths])" at the top of the next page); `known`: those found already, by page key,
    which this fills in (the pages are the pool's fresh copies, so `known` is the only record)."""
    todo = [p for p in pages if p.key not in known]
    before = {
        p.key: p for p in library.get_pages([page_key(p.doc_id, p.page - 1) for p in todo if p.page > 1])
    }
    for page in todo:
        previous = before.get(page_key(page.doc_id, page.page - 1))
        known[page.key] = closing_heading(previous, furniture.get(page.doc, NONE)) if previous else ""
    for page in pages:
        page.carried = known[page.key]


def _word_grams(text: str) -> set[tuple[str, ...]]:
    words = text.lower().split()
    return set(zip(*(words[i:] for i in range(PARAMS.said_gram))))


def _discount_said(judged: list[PageJudgement], asked: Question, part: Part) -> None:
    """A follow-up asks for something the last answer did not say: a passage that answer quoted already
    (`said_share` of its word runs are in it) and that names none of the turn's focus terms scores
    `said_factor` as much, so that the page's next passage leads ("and how do I count the words?" after the
    answer quoting trim's entry); a quoted passage that names them is read again for another of its facts
    ("is that also available from a menu on Windows?"). The pages' order stays."""
    said = _word_grams(asked.turn.said) if asked.follow_up and not asked.turn.moves else set()
    focus = set(part.terms.focus())
    if not said:
        return
    for judgement in judged:
        passages = [
            replace(p, score=p.score * PARAMS.said_factor)
            if (grams := _word_grams(p.text))
            and len(grams & said) >= PARAMS.said_share * len(grams)
            and focus.isdisjoint(terms(p.text))
            else p
            for p in judgement.passages
        ]
        judgement.passages = sorted(passages, key=lambda p: -p.score)


def _signals(library: Corpus, part: PartEvidence, asked: Question, gloss: Gloss) -> list[Gap]:
    """abstain.py's gaps of a part (its answer type in the lead, its top pages' agreement, the meaning); the
    gaps of the lead's page that they overrule are dropped from its judgement. The lead is read with its
    words' translations into the question's language when its page is in another."""
    lead, _ = chosen(part)
    if lead is None:
        return []
    units = [p.text for p in part.best[0].passages[: PARAMS.abstain_units]]
    docs = [j.page.doc for j in part.best[:2]]
    page = next(j for j in part.best if j.page is lead.page)
    own = part.part.terms.pairs_terms
    found = signal_gaps(
        part.part.asks,
        " ".join([part.part.asked, *asked.context]),  # a follow-up means its turn with the topic it carries
        glossed(lead_of(lead), lead.page.language, gloss),
        units,
        docs,
        page.coverage,
        languages=(asked.language, lead.page.language),
        unstated=part.part.words_for([t for t in part.part.thing if t in page.missing]),
        # "which page shows ...": the page is the answer, its picture holds the words its text lacks
        # the words a follow-up carries (or a later part borrows) name the topic, not what is asked of it
        absent=()
        if part.part.asks_page
        else absent_words(part.part.asked, [t for t in page.missing if t in own], lead.page.doc),
        named=sorted(named(own, {j.page.doc for j in part.best}, whole=True)),
        lead_doc=lead.page.doc,
        quantities=part.part.words_for(numbered(heads, document_texts(library, lead.page.doc)))
        if (heads := part.part.terms.kind.heads)
        else [],
    )
    waive(page, found.waived)
    return found.gaps


def document_texts(library: Corpus, doc: str) -> list[str]:
    """The texts of a document's pages; none when it left the library while the question was answered (a
    sync that removed it): what it wrote is no longer evidence."""
    try:
        return [page.text or "" for page in library.pages(doc)]
    except KeyError:
        return []


def _judge_step(parts: list[PartEvidence], step) -> Step:
    lines = []
    for part in parts:
        best = part.best[0] if part.best else None
        where = best.page.label if best else "no page"
        verdict = "enough" if _sufficient(part) else "not enough"
        missing = part.part.shown(best.missing[:4]) if best and best.missing else []
        lacks = [g.what for g in best.gaps] if best else []
        lines.append(
            f"{part.question}: best {where}, confidence {part.confidence:.2f} ({verdict})"
            + (f"; not on it: {', '.join(missing)}" if missing else "")
            + (f"; lacks: {', '.join(lacks)}" if lacks else "")
        )
    gaps = [
        w
        for part in parts
        if part.best and not _sufficient(part)
        for w in part.part.shown(part.best[0].missing[:3])
    ]
    title = (
        "Evidence suffices"
        if all(_sufficient(p) for p in parts)
        else "Evidence is missing" + (f": {', '.join(dict.fromkeys(gaps))}" if gaps else "")
    )
    return step("judge", title, "\n".join(lines))


def _backend_or_error(settings: Settings, backend: Answerer | str | None, step) -> Answerer | Step | None:
    if isinstance(backend, Answerer):
        return backend
    try:
        return backend_for(settings if backend is None else settings.replace(llm_backend=backend))
    except (BackendError, ValueError, ImportError) as err:
        return step("error", "Answering backend unavailable; answering extractively", str(err))
