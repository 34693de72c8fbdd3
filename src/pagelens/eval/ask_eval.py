"""Answer evaluation on an evaluation set: does `ask` cite gold pages, and does it abstain when it should?

Metrics (answerable = queries with gold pages):
- answered_fraction: answerable queries that got an answer (answerable=True)
- citation_hit_rate: answered answerable queries with at least one cited page among the gold pages
- citation_precision: cited pages that are gold, over all cited pages of answered answerable queries
- containment: answered answerable queries whose answer text holds most (>= 0.5) of the reference
  answer's content terms (a lenient check for an extractive answerer that quotes pages)
- abstained: unanswerable queries answered with answerable=False and no citations (count and total)

`run_ask_eval` ingests `set_dir/docs` into a temporary library unless a library is given.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..config import Settings
from ..rag.lexical import question_terms, terms
from .dataset import load_eval_set, resolve_gold

CONTAINMENT_SHARE = 0.5


@dataclass
class AskResult:
    qid: str
    type: str
    answerable_gold: bool
    answered: bool
    cited: list[tuple[str, int]]
    gold: list[tuple[str, int]]
    hit: bool
    contained: bool
    seconds: float
    text: str


@dataclass
class AskReport:
    queries: int
    answerable: int
    unanswerable: int
    answered_fraction: float
    citation_hit_rate: float
    citation_precision: float
    containment: float
    abstained: int
    mean_seconds: float
    per_type: dict[str, dict[str, float]] = field(default_factory=dict)
    results: list[AskResult] = field(default_factory=list)

    def to_dict(self, with_results: bool = False) -> dict:
        out = asdict(self)
        if not with_results:
            out.pop("results")
        return out

    def summary(self) -> str:
        return (f"answered {self.answered_fraction:.3f} of {self.answerable} answerable; "
                f"citation hit rate {self.citation_hit_rate:.3f}, precision {self.citation_precision:.3f}; "
                f"containment {self.containment:.3f}; abstained on {self.abstained}/{self.unanswerable} "
                f"unanswerable; {self.mean_seconds:.2f} s/query")


def _contained(reference: str | None, text: str) -> bool:
    wanted = set(question_terms(reference or "")) or set(terms(reference or ""))
    if not wanted:
        return False
    return len(wanted & set(terms(text))) / len(wanted) >= CONTAINMENT_SHARE


def run_ask_eval(set_dir: str | Path, *, settings: Settings, library=None) -> AskReport:
    """Ask every query of the set (no history) and score citations and abstention."""
    eval_set = load_eval_set(set_dir)
    if library is None:
        from ..library import Library

        with tempfile.TemporaryDirectory(prefix="pagelens-ask-eval-") as folder:
            with Library(folder, settings=settings.replace(library=Path(folder))) as temp_library:
                temp_library.add(eval_set.doc_paths())
                return run_ask_eval(set_dir, settings=settings, library=temp_library)
    page_texts = {d.name: [p.text for p in library.pages(d.name)] for d in library.documents()}
    results: list[AskResult] = []
    for query in eval_set.queries:
        gold = sorted(resolve_gold(query, page_texts))
        started = time.perf_counter()
        answer = library.ask(query.query)
        seconds = time.perf_counter() - started
        cited = [(c.doc, c.page) for c in answer.citations]
        results.append(AskResult(
            qid=query.qid, type=query.type, answerable_gold=query.answerable, answered=answer.answerable,
            cited=cited, gold=gold, hit=bool(set(cited) & set(gold)),
            contained=answer.answerable and _contained(query.answer, answer.text), seconds=seconds,
            text=answer.text,
        ))
    return _report(results)


def _ratio(count: int, total: int) -> float:
    return count / total if total else 0.0


def _report(results: list[AskResult]) -> AskReport:
    answerable = [r for r in results if r.answerable_gold]
    unanswerable = [r for r in results if not r.answerable_gold]
    answered = [r for r in answerable if r.answered]
    cited = [c for r in answered for c in r.cited]
    gold_cited = sum(1 for r in answered for c in r.cited if c in set(r.gold))
    per_type: dict[str, dict[str, float]] = {}
    for kind in sorted({r.type for r in answerable}):
        group = [r for r in answerable if r.type == kind]
        done = [r for r in group if r.answered]
        per_type[kind] = {"queries": len(group), "answered": _ratio(len(done), len(group)),
                          "citation_hit_rate": _ratio(sum(r.hit for r in done), len(done))}
    return AskReport(
        queries=len(results), answerable=len(answerable), unanswerable=len(unanswerable),
        answered_fraction=_ratio(len(answered), len(answerable)),
        citation_hit_rate=_ratio(sum(r.hit for r in answered), len(answered)),
        citation_precision=_ratio(gold_cited, len(cited)),
        containment=_ratio(sum(r.contained for r in answered), len(answered)),
        abstained=sum(1 for r in unanswerable if not r.answered and not r.cited),
        mean_seconds=_ratio(sum(r.seconds for r in results), len(results)),
        per_type=per_type, results=results,
    )
