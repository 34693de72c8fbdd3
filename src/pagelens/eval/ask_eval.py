"""Answer evaluation on an evaluation set: are the answers right, does the answerer abstain when it should,
and does a chat follow its conversations?

Per query (queries.jsonl, asked without history):
- correct: answered, cites at least one gold page, and the text satisfies the query's `must_contain` groups
  (answers.jsonl; a set without the key scores answered + cites gold);
- abstained: an unanswerable query (gold []) answered with answerable=False and no citations.
Per conversation turn (conversations.jsonl, asked turn by turn with the earlier user turns and the
system's own answers as OpenAI-style history): correct as above for answerable turns, abstained for
`unanswerable` ones; reported overall and by kind (first, followup, switch, unanswerable).

Abstention is the answerer's last gate (`Answer.confidence` against `settings.answer_min_confidence`;
the evidence-gathering steps do not depend on it), so the single queries are asked once with the gate
open and the threshold is applied afterwards: the same numbers as asking with it, plus the trade-off
curve (answerable answered and correct vs unanswerable abstained) at every threshold, and a k-fold
cross-validated choice of the threshold. Conversations are asked with the real threshold, since an
abstention changes the history of the next turn.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..types import Answer
from .dataset import EvalSet, load_eval_set, resolve_gold, satisfies

MIN_ANSWERED_SHARE = 58 / 64  # the calibration's floor: answer at least this share of answerable queries
CV_FOLDS = 4


@dataclass
class AskResult:
    qid: str
    type: str
    answerable_gold: bool
    answered: bool
    cited: list[tuple[str, int]]
    gold: list[tuple[str, int]]
    hit: bool  # cites a gold page
    correct: bool  # answered, cites gold, every must_contain group (answerable); abstained (unanswerable)
    confidence: float
    seconds: float
    text: str


@dataclass
class TurnResult:
    cid: str
    turn: int
    kind: str
    query: str
    answered: bool
    cited: list[tuple[str, int]]
    gold: list[tuple[str, int]]
    correct: bool
    confidence: float
    text: str


@dataclass
class CurvePoint:
    threshold: float
    answered: int  # answerable queries answered
    correct: int  # answerable queries answered correctly
    abstained: int  # unanswerable queries abstained on


@dataclass
class AskReport:
    queries: int
    answerable: int
    unanswerable: int
    threshold: float
    answered: int
    correct: int
    answer_correct: float  # correct / answerable
    citation_hit_rate: float  # answered answerable queries citing a gold page
    citation_precision: float  # cited pages that are gold, over answered answerable queries
    abstained: int
    mean_seconds: float
    per_type: dict[str, dict[str, float]] = field(default_factory=dict)  # type -> queries, answered, correct
    turns: int = 0
    turns_correct: int = 0
    turns_by_kind: dict[str, dict[str, int]] = field(default_factory=dict)  # kind -> turns, correct
    curve: list[CurvePoint] = field(default_factory=list)
    cross_validated: dict[str, float] = field(default_factory=dict)
    results: list[AskResult] = field(default_factory=list)
    turn_results: list[TurnResult] = field(default_factory=list)

    def to_dict(self, with_results: bool = False) -> dict:
        out = asdict(self)
        if not with_results:
            out.pop("results")
            out.pop("turn_results")
        return out

    def summary(self) -> str:
        lines = [f"answers: {self.correct}/{self.answerable} correct ({self.answer_correct:.3f}), answered "
                 f"{self.answered}/{self.answerable}, citation hit rate {self.citation_hit_rate:.3f}, precision "
                 f"{self.citation_precision:.3f}; abstained on {self.abstained}/{self.unanswerable} unanswerable "
                 f"(threshold {self.threshold:.2f}); {self.mean_seconds:.2f} s/query"]
        lines.append(f"{'type':<14}{'n':>4}{'answered':>10}{'correct':>9}")
        for kind, row in self.per_type.items():
            lines.append(f"{kind:<14}{int(row['queries']):>4}{int(row['answered']):>10}{int(row['correct']):>9}")
        if self.turns:
            kinds = ", ".join(f"{k} {v['correct']}/{v['turns']}" for k, v in self.turns_by_kind.items())
            lines.append(f"conversation turns: {self.turns_correct}/{self.turns} correct "
                         f"({self.turns_correct / self.turns:.3f}); by kind: {kinds}")
        if self.curve:
            lines.append("abstention trade-off (threshold: answerable answered / correct, unanswerable abstained):")
            lines.append("  " + "; ".join(f"{p.threshold:.2f}: {p.answered}/{p.correct}/{p.abstained}"
                                          for p in self.curve))
        if self.cross_validated:
            cv = self.cross_validated
            lines.append(f"{CV_FOLDS}-fold cross-validated threshold (mean {cv['threshold_mean']:.2f}): held-out "
                         f"correct {int(cv['correct'])}/{self.answerable}, answered {int(cv['answered'])}, "
                         f"abstained {int(cv['abstained'])}/{self.unanswerable}")
        return "\n".join(lines)


def run_ask_eval(set_dir: str | Path, *, library, conversations: bool = True) -> AskReport:
    """Ask every query of the set (no history), then every conversation turn by turn; score both."""
    eval_set = load_eval_set(set_dir)
    threshold = library.settings.answer_min_confidence
    page_texts = {d.name: [p.text for p in library.pages(d.name)] for d in library.documents()}
    open_gate = _with_threshold(library, 0.0)
    results = [_ask_one(open_gate, eval_set, query, page_texts) for query in eval_set.queries]
    turns = _ask_conversations(library, eval_set, page_texts) if conversations else []
    return _report(results, turns, threshold)


class _with_threshold:
    """The library with another abstention threshold for the answer loop (the eval's open gate)."""

    def __init__(self, library, threshold: float) -> None:
        self.library = library
        self.settings = library.settings.replace(answer_min_confidence=threshold)

    def ask(self, question: str, history=None) -> Answer:
        from ..rag.agent import ask

        return ask(self.library, question, history, settings=self.settings)


def _ask_one(library, eval_set: EvalSet, query, page_texts) -> AskResult:
    gold = sorted(resolve_gold(query, page_texts))
    started = time.perf_counter()
    answer = library.ask(query.query)
    seconds = time.perf_counter() - started
    cited = [(c.doc, c.page) for c in answer.citations]
    hit = bool(set(cited) & set(gold))
    groups = eval_set.must_contain.get(query.qid, ())
    correct = answer.answerable and hit and satisfies(answer.text, groups) if query.answerable else \
        not answer.answerable and not cited
    return AskResult(qid=query.qid, type=query.type, answerable_gold=query.answerable, answered=answer.answerable,
                     cited=cited, gold=gold, hit=hit, correct=correct, confidence=answer.confidence,
                     seconds=seconds, text=answer.text)


def _ask_conversations(library, eval_set: EvalSet, page_texts) -> list[TurnResult]:
    out: list[TurnResult] = []
    for conversation in eval_set.conversations:
        history: list[dict] = []
        for number, turn in enumerate(conversation.turns, start=1):
            answer = library.ask(turn.query, history=list(history))
            gold = sorted(resolve_gold(turn.as_query(f"{conversation.cid}.{number}"), page_texts))
            cited = [(c.doc, c.page) for c in answer.citations]
            if turn.gold:
                correct = answer.answerable and bool(set(cited) & set(gold)) and satisfies(answer.text,
                                                                                          turn.must_contain)
            else:
                correct = not answer.answerable and not cited
            out.append(TurnResult(cid=conversation.cid, turn=number, kind=turn.kind, query=turn.query,
                                  answered=answer.answerable, cited=cited, gold=gold, correct=correct,
                                  confidence=answer.confidence, text=answer.text))
            history += [{"role": "user", "content": turn.query}, {"role": "assistant", "content": answer.text}]
    return out


def _gated(result: AskResult, threshold: float) -> AskResult:
    """The result as the answerer would give it with this abstention threshold."""
    if not result.answered or result.confidence >= threshold:
        return result
    abstained_ok = not result.answerable_gold
    return AskResult(qid=result.qid, type=result.type, answerable_gold=result.answerable_gold, answered=False,
                     cited=[], gold=result.gold, hit=False, correct=abstained_ok, confidence=result.confidence,
                     seconds=result.seconds, text="The library does not answer this question.")


def curve(results: Sequence[AskResult], thresholds: Sequence[float] | None = None) -> list[CurvePoint]:
    """Answered/correct answerable queries and abstained unanswerable ones at each threshold."""
    if thresholds is None:
        thresholds = sorted({round(r.confidence, 2) for r in results} | {0.0})
    points = []
    for threshold in thresholds:
        gated = [_gated(r, threshold) for r in results]
        points.append(CurvePoint(
            threshold=threshold,
            answered=sum(r.answered for r in gated if r.answerable_gold),
            correct=sum(r.correct for r in gated if r.answerable_gold),
            abstained=sum(r.correct for r in gated if not r.answerable_gold)))
    return points


def choose_threshold(results: Sequence[AskResult]) -> float:
    """The threshold maximising correct answers plus correct abstentions while answering at least
    MIN_ANSWERED_SHARE of the answerable queries (ties: the lowest such threshold)."""
    answerable = sum(r.answerable_gold for r in results)
    best, best_score = 0.0, -1
    for point in curve(results):
        if point.answered < MIN_ANSWERED_SHARE * answerable:
            continue
        score = point.correct + point.abstained
        if score > best_score:
            best, best_score = point.threshold, score
    return best


def cross_validate(results: Sequence[AskResult], folds: int = CV_FOLDS) -> dict[str, float]:
    """Held-out counts when each fold's threshold is chosen on the other folds (folds interleave the
    queries by position, so every type lands in every fold)."""
    held = {"correct": 0.0, "answered": 0.0, "abstained": 0.0}
    chosen = []
    for fold in range(folds):
        train = [r for i, r in enumerate(results) if i % folds != fold]
        test = [r for i, r in enumerate(results) if i % folds == fold]
        threshold = choose_threshold(train)
        chosen.append(threshold)
        for r in (_gated(r, threshold) for r in test):
            if r.answerable_gold:
                held["correct"] += r.correct
                held["answered"] += r.answered
            else:
                held["abstained"] += r.correct
    return {**held, "threshold_mean": sum(chosen) / len(chosen)}


def _report(open_results: list[AskResult], turns: list[TurnResult], threshold: float) -> AskReport:
    results = [_gated(r, threshold) for r in open_results]
    answerable = [r for r in results if r.answerable_gold]
    unanswerable = [r for r in results if not r.answerable_gold]
    answered = [r for r in answerable if r.answered]
    cited = [c for r in answered for c in r.cited]
    gold_cited = sum(1 for r in answered for c in r.cited if c in set(r.gold))
    per_type = {kind: {"queries": len(group), "answered": sum(r.answered for r in group),
                       "correct": sum(r.correct for r in group)}
                for kind in sorted({r.type for r in results})
                for group in [[r for r in results if r.type == kind]]}
    by_kind: dict[str, dict[str, int]] = {}
    for turn in turns:
        row = by_kind.setdefault(turn.kind, {"turns": 0, "correct": 0})
        row["turns"] += 1
        row["correct"] += turn.correct
    steps = sorted({round(t / 20, 2) for t in range(0, 21)} | {threshold})
    return AskReport(
        queries=len(results), answerable=len(answerable), unanswerable=len(unanswerable), threshold=threshold,
        answered=len(answered), correct=sum(r.correct for r in answerable),
        answer_correct=_ratio(sum(r.correct for r in answerable), len(answerable)),
        citation_hit_rate=_ratio(sum(r.hit for r in answered), len(answered)),
        citation_precision=_ratio(gold_cited, len(cited)),
        abstained=sum(r.correct for r in unanswerable),
        mean_seconds=_ratio(sum(r.seconds for r in results), len(results)),
        per_type=per_type, turns=len(turns), turns_correct=sum(t.correct for t in turns), turns_by_kind=by_kind,
        curve=curve(open_results, steps), cross_validated=cross_validate(open_results) if unanswerable else {},
        results=results, turn_results=turns,
    )


def _ratio(count: int, total: int) -> float:
    return count / total if total else 0.0
