"""Answer evaluation on an evaluation set: are the answers right, does the answerer abstain when it should,
and does a chat follow its conversations?

Per query (queries.jsonl, asked without history):
- correct: answered, cites at least one gold page, and the text satisfies the query's `must_contain` groups
  (answers.jsonl; a set without the key scores answered + cites gold);
- abstained: an unanswerable query (gold []) answered with answerable=False and no citations;
- given the page: whether a gold page is among the top TOP_HITS hits of the plain search for the question,
  so that answering is measured apart from retrieval ("answer right given the right page among the top
  3": the share of those queries answered correctly);
- failure (a wrong answerable query), the first that holds of: `abstained` (not answered), `fact_missing`
  (a gold page cited, a must_contain group not in the text), `other_page_cited` (a gold page among the top
  hits, another cited), `page_not_in_top` (no gold page among the top hits, none cited).
Per conversation turn (conversations.jsonl, asked turn by turn with the earlier user turns and the
system's own answers as OpenAI-style history): correct as above for answerable turns, abstained for
`unanswerable` ones; reported overall and by kind (first, followup, switch, unanswerable).

Abstention is the answerer's last gate (`Answer.confidence` against `settings.answer_min_confidence`;
the evidence-gathering steps do not depend on it), so the single queries are asked once with the gate
open and the threshold is applied afterwards: the same numbers as asking with it, plus the trade-off
curve (answerable answered and correct vs unanswerable abstained) at every threshold, and a k-fold
cross-validation of the threshold together with the answer-kind factors (rag/params.py `gap_factors`):
each answer records the gaps its confidence was lowered for, so the confidence under other factors is
recomputed without asking again. (The recomputation keeps the page that decided the confidence; with
other factors another page might decide it, so the held-out numbers are an estimate.) A question of
several parts is answered part by part: the answer stands when any part passes the threshold (its
`Answer.confidence` is its most confident part's) and names the parts below it as not found, so its text
at the threshold is not the open gate's: those questions are asked again with the threshold for the
reported numbers (the curve keeps the open gate's). Conversations are asked with the real threshold,
since an abstention changes the history of the next turn.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from math import prod
from pathlib import Path

from ..rag.answer_kind import FAMILY
from ..rag.params import PARAMS
from ..types import Answer
from .dataset import EvalSet, load_eval_set, resolve_gold, satisfies

TOP_HITS = 3  # "the right page in hand": a gold page among this many search hits
FAILURES = ("page_not_in_top", "other_page_cited", "fact_missing", "abstained")
MIN_ANSWERED_SHARE = 58 / 64  # the calibration's floor: answer at least this share of answerable queries
TARGET_ANSWERED = 0.9  # the operating point reported: the most abstentions answering this share (issue 18)
CV_FOLDS = 4
FACTOR_GRID = (0.1, 0.2, 0.3, 0.5, 0.7, 0.85, 1.0)  # the values each family's factor is chosen from


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
    gaps: list[tuple[str, float]] = field(default_factory=list)  # family (or kind) and factor of each gap
    gold_in_top: bool = False  # a gold page among the top TOP_HITS hits of a plain search
    several_parts: bool = False  # the answer loop split the question (a "decompose" step)

    @property
    def failure(self) -> str:
        """Why an answerable query is wrong (module doc; "" when it is right or unanswerable)."""
        if self.correct or not self.answerable_gold:
            return ""
        if not self.answered:
            return "abstained"
        if self.hit:
            return "fact_missing"
        return "other_page_cited" if self.gold_in_top else "page_not_in_top"

    def confidence_with(self, factors: Mapping[str, float] | None) -> float:
        """The confidence had the gaps' families kept these shares (None: as answered)."""
        if factors is None:
            return self.confidence
        applied = prod(factor for _, factor in self.gaps)
        base = self.confidence / applied if applied else 0.0
        return base * prod(factors.get(family, factor) for family, factor in self.gaps)


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
    given_page: int = 0  # answerable queries with a gold page among the top TOP_HITS hits
    given_page_correct: int = 0  # of those, answered correctly
    right_given_page: float = 0.0  # given_page_correct / given_page
    failures: dict[str, list[str]] = field(default_factory=dict)  # FAILURES category -> qids
    per_type: dict[str, dict[str, float]] = field(default_factory=dict)  # type -> queries, answered, correct
    turns: int = 0
    turns_correct: int = 0
    turns_by_kind: dict[str, dict[str, int]] = field(default_factory=dict)  # kind -> turns, correct
    curve: list[CurvePoint] = field(default_factory=list)
    # how well the confidence orders answerable above unanswerable queries, and at what cost it abstains:
    separation: float = 0.0  # the chance that an answerable query's confidence exceeds an unanswerable one's
    operating_point: CurvePoint | None = None  # most abstentions answering >= TARGET_ANSWERED of answerable
    signals: dict[str, dict[str, int]] = field(
        default_factory=dict
    )  # gap kind -> queries it lowered, by gold
    cross_validated: dict[str, float] = field(default_factory=dict)
    calibration: dict = field(default_factory=dict)  # threshold and factors chosen on the whole set
    results: list[AskResult] = field(default_factory=list)
    turn_results: list[TurnResult] = field(default_factory=list)

    def to_dict(self, with_results: bool = False) -> dict:
        out = asdict(self)
        if not with_results:
            out.pop("results")
            out.pop("turn_results")
        return out

    def summary(self) -> str:
        lines = [
            f"answers: {self.correct}/{self.answerable} correct ({self.answer_correct:.3f}), answered "
            f"{self.answered}/{self.answerable}, citation hit rate {self.citation_hit_rate:.3f}, precision "
            f"{self.citation_precision:.3f}; abstained on {self.abstained}/{self.unanswerable} unanswerable "
            f"(threshold {self.threshold:.2f}); {self.mean_seconds:.2f} s/query",
            f"answer right given the right page among the top {TOP_HITS} hits: {self.given_page_correct}/"
            f"{self.given_page} ({self.right_given_page:.3f}); wrong answers: "
            + ", ".join(f"{kind} {len(self.failures.get(kind, []))}" for kind in FAILURES),
        ]
        lines += [f"  {kind}: {' '.join(qids)}" for kind, qids in self.failures.items() if qids]
        lines.append(f"{'type':<14}{'n':>4}{'answered':>10}{'correct':>9}")
        for kind, row in self.per_type.items():
            lines.append(
                f"{kind:<14}{int(row['queries']):>4}{int(row['answered']):>10}{int(row['correct']):>9}"
            )
        if self.turns:
            kinds = ", ".join(f"{k} {v['correct']}/{v['turns']}" for k, v in self.turns_by_kind.items())
            lines.append(
                f"conversation turns: {self.turns_correct}/{self.turns} correct "
                f"({self.turns_correct / self.turns:.3f}); by kind: {kinds}"
            )
        if self.curve:
            lines.append(
                "abstention trade-off (threshold: answerable answered / correct, unanswerable abstained):"
            )
            lines.append(
                "  "
                + "; ".join(f"{p.threshold:.2f}: {p.answered}/{p.correct}/{p.abstained}" for p in self.curve)
            )
        if self.operating_point is not None:
            point = self.operating_point
            lines.append(
                f"confidence separation (AUC, answerable over unanswerable) {self.separation:.3f}; most "
                f"abstentions answering >= {TARGET_ANSWERED:.0%} of answerable: threshold {point.threshold:.2f}, "
                f"answered {point.answered}/{self.answerable} ({point.correct} correct), abstained "
                f"{point.abstained}/{self.unanswerable}"
            )
        if self.signals:
            lines.append(
                "gaps that lowered the confidence (answerable / unanswerable queries): "
                + "; ".join(
                    f"{kind} {n['answerable']}/{n['unanswerable']}" for kind, n in self.signals.items()
                )
            )
        if self.cross_validated:
            cv = self.cross_validated
            factors = ", ".join(
                f"{family} {cv[f'factor_{family}_mean']:.2f}" for family in PARAMS.gap_factors
            )
            lines.append(
                f"{CV_FOLDS}-fold cross-validation, held out: factors and threshold chosen per fold "
                f"(mean threshold {cv['threshold_mean']:.2f}; mean factors {factors}): correct "
                f"{int(cv['correct'])}/{self.answerable}, answered {int(cv['answered'])}, abstained "
                f"{int(cv['abstained'])}/{self.unanswerable}; the answerer's factors, "
                f"threshold chosen per fold (mean {cv['threshold_only_mean']:.2f}): correct "
                f"{int(cv['threshold_only_correct'])}/{self.answerable}, answered "
                f"{int(cv['threshold_only_answered'])}, abstained "
                f"{int(cv['threshold_only_abstained'])}/{self.unanswerable}"
            )
            best = self.calibration
            lines.append(
                f"chosen on the whole set: threshold {best['threshold']:.2f}, factors "
                + ", ".join(f"{family} {value:.2f}" for family, value in best["factors"].items())
                + f" (answerer's own: {', '.join(f'{f} {v:.2f}' for f, v in PARAMS.gap_factors.items())})"
            )
        return "\n".join(lines)


def run_ask_eval(set_dir: str | Path, *, library, conversations: bool = True) -> AskReport:
    """Ask every query of the set (no history), then every conversation turn by turn; score both."""
    eval_set = load_eval_set(set_dir)
    threshold = library.settings.answer_min_confidence
    page_texts = {d.name: [p.text for p in library.pages(d.name)] for d in library.documents()}
    open_gate = _with_threshold(library, 0.0)
    results = [_ask_one(open_gate, eval_set, query, page_texts) for query in eval_set.queries]
    at_threshold = _with_threshold(library, threshold)
    asked = {
        r.qid: _ask_one(at_threshold, eval_set, query, page_texts)
        for r, query in zip(results, eval_set.queries)
        if r.several_parts
    }
    turns = _ask_conversations(library, eval_set, page_texts) if conversations else []
    return _report(results, turns, threshold, asked)


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
    top = [(h.doc, h.page) for h in library.library.search(query.query, TOP_HITS)] if gold else []
    started = time.perf_counter()
    answer = library.ask(query.query)
    seconds = time.perf_counter() - started
    cited = [(c.doc, c.page) for c in answer.citations]
    hit = bool(set(cited) & set(gold))
    groups = eval_set.must_contain.get(query.qid, ())
    correct = (
        answer.answerable and hit and satisfies(answer.text, groups)
        if query.answerable
        else not answer.answerable and not cited
    )
    return AskResult(
        qid=query.qid,
        type=query.type,
        answerable_gold=query.answerable,
        answered=answer.answerable,
        cited=cited,
        gold=gold,
        hit=hit,
        correct=correct,
        confidence=answer.confidence,
        seconds=seconds,
        text=answer.text,
        gaps=[(FAMILY.get(gap.kind, gap.kind), gap.factor) for gap in answer.gaps],
        gold_in_top=bool(set(top) & set(gold)),
        several_parts=any(step.kind == "decompose" for step in answer.steps),
    )


def _ask_conversations(library, eval_set: EvalSet, page_texts) -> list[TurnResult]:
    out: list[TurnResult] = []
    for conversation in eval_set.conversations:
        history: list[dict] = []
        for number, turn in enumerate(conversation.turns, start=1):
            answer = library.ask(turn.query, history=list(history))
            gold = sorted(resolve_gold(turn.as_query(f"{conversation.cid}.{number}"), page_texts))
            cited = [(c.doc, c.page) for c in answer.citations]
            if turn.gold:
                correct = (
                    answer.answerable
                    and bool(set(cited) & set(gold))
                    and satisfies(answer.text, turn.must_contain)
                )
            else:
                correct = not answer.answerable and not cited
            out.append(
                TurnResult(
                    cid=conversation.cid,
                    turn=number,
                    kind=turn.kind,
                    query=turn.query,
                    answered=answer.answerable,
                    cited=cited,
                    gold=gold,
                    correct=correct,
                    confidence=answer.confidence,
                    text=answer.text,
                )
            )
            history += [
                {"role": "user", "content": turn.query},
                {"role": "assistant", "content": answer.text},
            ]
    return out


def _gated(result: AskResult, threshold: float, factors: Mapping[str, float] | None = None) -> AskResult:
    """The result as the answerer would give it with this abstention threshold (and these factors)."""
    if not result.answered or result.confidence_with(factors) >= threshold:
        return result
    return replace(
        result,
        answered=False,
        cited=[],
        hit=False,
        correct=not result.answerable_gold,
        text="The library does not answer this question.",
    )


def curve(
    results: Sequence[AskResult],
    thresholds: Sequence[float] | None = None,
    factors: Mapping[str, float] | None = None,
) -> list[CurvePoint]:
    """Answered/correct answerable queries and abstained unanswerable ones at each threshold."""
    scored = [(r.confidence_with(factors), r) for r in results]
    if thresholds is None:
        thresholds = sorted({round(c, 2) for c, _ in scored} | {0.0})
    points = []
    for threshold in thresholds:
        kept = [(r, r.answered and c >= threshold) for c, r in scored]  # _gated, counted only
        points.append(
            CurvePoint(
                threshold=threshold,
                answered=sum(1 for r, k in kept if r.answerable_gold and k),
                correct=sum(1 for r, k in kept if r.answerable_gold and k and r.correct),
                abstained=sum(1 for r, k in kept if not r.answerable_gold and (r.correct or not k)),
            )
        )
    return points


def separation(results: Sequence[AskResult]) -> float:
    """The chance that an answerable query's confidence (as answered) exceeds an unanswerable one's, ties
    counting half (the area under the ROC curve; 0.5 when the confidence does not separate them)."""
    kept = [r.confidence if r.answered else 0.0 for r in results if r.answerable_gold]
    refused = [r.confidence if r.answered else 0.0 for r in results if not r.answerable_gold]
    if not kept or not refused:
        return 0.0
    wins = sum((a > b) + 0.5 * (a == b) for a in kept for b in refused)
    return wins / (len(kept) * len(refused))


def operating_point(results: Sequence[AskResult], share: float = TARGET_ANSWERED) -> CurvePoint | None:
    """The point of the curve (every confidence as a threshold) with the most unanswerable queries abstained
    on while answering at least `share` of the answerable ones; ties go to more correct answers."""
    answerable = sum(r.answerable_gold for r in results)
    points = [p for p in curve(results) if p.answered >= share * answerable]
    return max(points, key=lambda p: (p.abstained, p.correct, -p.threshold), default=None)


def signal_counts(results: Sequence[AskResult]) -> dict[str, dict[str, int]]:
    """For each kind (or answer-kind family) of gap, how many answerable and unanswerable queries it
    lowered: a signal that generalises lowers many more of the second (compare the sets)."""
    counts: dict[str, dict[str, int]] = {}
    for r in results:
        for kind in dict.fromkeys(kind for kind, _ in r.gaps):
            row = counts.setdefault(kind, {"answerable": 0, "unanswerable": 0})
            row["answerable" if r.answerable_gold else "unanswerable"] += 1
    return dict(sorted(counts.items()))


@dataclass(frozen=True)
class Calibration:
    threshold: float
    factors: dict[str, float]
    score: int  # answerable answered correctly plus unanswerable abstained on
    answered: int


def calibrate(results: Sequence[AskResult], grid: Sequence[float] = FACTOR_GRID) -> Calibration:
    """The factors (one per gap family, from `grid`) and threshold maximising correct answers plus correct
    abstentions while answering at least MIN_ANSWERED_SHARE of the answerable queries; ties go to more
    answers, then to the lower threshold."""
    answerable = sum(r.answerable_gold for r in results)
    best: Calibration | None = None
    for values in itertools.product(grid, repeat=len(PARAMS.gap_factors)):
        factors = dict(zip(PARAMS.gap_factors, values))
        for point in curve(results, factors=factors):
            if point.answered < MIN_ANSWERED_SHARE * answerable:
                continue
            candidate = Calibration(point.threshold, factors, point.correct + point.abstained, point.answered)
            if best is None or (candidate.score, candidate.answered, -candidate.threshold) > (
                best.score,
                best.answered,
                -best.threshold,
            ):
                best = candidate
    return best or Calibration(0.0, dict(PARAMS.gap_factors), 0, 0)


def _threshold_for(results: Sequence[AskResult], factors: Mapping[str, float] | None) -> float:
    answerable = sum(r.answerable_gold for r in results)
    best, best_key = 0.0, None
    for point in curve(results, factors=factors):
        if point.answered < MIN_ANSWERED_SHARE * answerable:
            continue
        key = (point.correct + point.abstained, point.answered, -point.threshold)
        if best_key is None or key > best_key:
            best, best_key = point.threshold, key
    return best


def cross_validate(
    results: Sequence[AskResult], folds: int = CV_FOLDS, grid: Sequence[float] = FACTOR_GRID
) -> dict[str, float]:
    """Held-out counts when each fold's factors and threshold are chosen on the other folds (folds
    interleave the queries by position, so every type lands in every fold); also the held-out counts
    with the answerer's own factors and only the threshold chosen per fold."""
    held = {
        "correct": 0.0,
        "answered": 0.0,
        "abstained": 0.0,
        "threshold_only_correct": 0.0,
        "threshold_only_answered": 0.0,
        "threshold_only_abstained": 0.0,
    }
    chosen, own = [], []
    for fold in range(folds):
        train = [r for i, r in enumerate(results) if i % folds != fold]
        test = [r for i, r in enumerate(results) if i % folds == fold]
        calibration = calibrate(train, grid)
        chosen.append(calibration)
        own.append(_threshold_for(train, None))
        for prefix, gated in (
            ("", [_gated(r, calibration.threshold, calibration.factors) for r in test]),
            ("threshold_only_", [_gated(r, own[-1]) for r in test]),
        ):
            for r in gated:
                if r.answerable_gold:
                    held[prefix + "correct"] += r.correct
                    held[prefix + "answered"] += r.answered
                else:
                    held[prefix + "abstained"] += r.correct
    out = {
        **held,
        "threshold_mean": sum(c.threshold for c in chosen) / folds,
        "threshold_only_mean": sum(own) / folds,
    }
    for family in PARAMS.gap_factors:
        out[f"factor_{family}_mean"] = sum(c.factors[family] for c in chosen) / folds
    return out


def _report(
    open_results: list[AskResult],
    turns: list[TurnResult],
    threshold: float,
    asked: Mapping[str, AskResult] | None = None,
) -> AskReport:
    """The report at `threshold`: the open gate's answers gated afterwards, but for the questions in `asked`
    (asked again with the threshold: a question of several parts keeps the parts that pass it and names the
    others as not found, so its text is not the open gate's)."""
    asked = asked or {}
    results = [asked.get(r.qid) or _gated(r, threshold) for r in open_results]
    answerable = [r for r in results if r.answerable_gold]
    unanswerable = [r for r in results if not r.answerable_gold]
    answered = [r for r in answerable if r.answered]
    cited = [c for r in answered for c in r.cited]
    gold_cited = sum(1 for r in answered for c in r.cited if c in set(r.gold))
    per_type = {
        kind: {
            "queries": len(group),
            "answered": sum(r.answered for r in group),
            "correct": sum(r.correct for r in group),
        }
        for kind in sorted({r.type for r in results})
        for group in [[r for r in results if r.type == kind]]
    }
    by_kind: dict[str, dict[str, int]] = {}
    for turn in turns:
        row = by_kind.setdefault(turn.kind, {"turns": 0, "correct": 0})
        row["turns"] += 1
        row["correct"] += turn.correct
    steps = sorted({round(t / 20, 2) for t in range(0, 21)} | {threshold})
    given = [r for r in answerable if r.gold_in_top]
    return AskReport(
        queries=len(results),
        answerable=len(answerable),
        unanswerable=len(unanswerable),
        threshold=threshold,
        answered=len(answered),
        correct=sum(r.correct for r in answerable),
        answer_correct=_ratio(sum(r.correct for r in answerable), len(answerable)),
        citation_hit_rate=_ratio(sum(r.hit for r in answered), len(answered)),
        citation_precision=_ratio(gold_cited, len(cited)),
        abstained=sum(r.correct for r in unanswerable),
        mean_seconds=_ratio(sum(r.seconds for r in results), len(results)),
        given_page=len(given),
        given_page_correct=sum(r.correct for r in given),
        right_given_page=_ratio(sum(r.correct for r in given), len(given)),
        failures={kind: [r.qid for r in answerable if r.failure == kind] for kind in FAILURES},
        per_type=per_type,
        turns=len(turns),
        turns_correct=sum(t.correct for t in turns),
        turns_by_kind=by_kind,
        curve=curve(open_results, steps),
        separation=separation(open_results),
        operating_point=operating_point(open_results),
        signals=signal_counts(open_results),
        cross_validated=cross_validate(open_results) if unanswerable else {},
        calibration=asdict(calibrate(open_results)) if unanswerable else {},
        results=results,
        turn_results=turns,
    )


def _ratio(count: int, total: int) -> float:
    return count / total if total else 0.0
