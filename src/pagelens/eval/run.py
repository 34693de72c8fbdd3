"""`pagelens eval DIR`: ingest an evaluation set into a library, run its queries, score the rankings.

Metrics (binary gains over the resolved gold pages): nDCG@5, Recall@1/5/10 and MRR, overall and per
query type, and for queries of type `crosslingual` per language pair (the question's detected language
-> its gold pages' languages, e.g. `en->de`). Unanswerable queries (gold []) have no gold pages: they are
counted and listed, not scored.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..config import Settings
from ..language import DEFAULT, detect
from .baseline import PlainBM25
from .dataset import EvalQuery, PageId, load_eval_set, resolve_gold
from .metrics import ndcg_at_k, recall_at_k, reciprocal_rank

DEPTH = 10  # pages retrieved per query (the deepest cut-off reported)
CROSSLINGUAL = "crosslingual"  # the query type reported per language pair
METRICS = ("ndcg@5", "recall@1", "recall@5", "recall@10", "mrr")


@dataclass
class QueryResult:
    qid: str
    type: str
    query: str
    gold: list[PageId]
    ranked: list[PageId]
    scores: dict[str, float]  # metric -> value
    baseline_scores: dict[str, float]  # the same metrics for plain bm25s (baseline.py)
    languages: str = ""  # question -> gold pages' languages, e.g. "en->de"


@dataclass
class EvalReport:
    set_dir: str
    lanes: list[str]
    documents: int
    failed_documents: dict[str, str]  # name -> reason
    pages: int
    scored: int  # queries with gold pages
    unanswerable: int  # queries with gold [] (not scored)
    unresolved: list[str]  # qids whose gold could not be located (HTML evidence not found); scored as misses
    overall: dict[str, float]
    by_type: dict[str, dict[str, float]]  # type -> metric -> mean
    type_counts: dict[str, int]
    baseline_overall: dict[str, float]  # plain bm25s over the same page texts, same queries
    baseline_by_type: dict[str, dict[str, float]]
    ingest_s: float
    search_ms_mean: float
    queries: list[QueryResult] = field(default_factory=list)
    by_language_pair: dict[str, dict[str, float]] = field(default_factory=dict)  # crosslingual queries
    language_pair_counts: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def score_ranking(ranked: Sequence[PageId], gold: set[PageId]) -> dict[str, float]:
    return {
        "ndcg@5": ndcg_at_k(ranked, gold, 5),
        "recall@1": recall_at_k(ranked, gold, 1),
        "recall@5": recall_at_k(ranked, gold, 5),
        "recall@10": recall_at_k(ranked, gold, 10),
        "mrr": reciprocal_rank(ranked, gold),
    }


def run_eval(
    set_dir: str | Path,
    *,
    settings: Settings | None = None,
    library_dir: str | Path | None = None,
    lanes: Sequence[str] | None = None,
    progress: bool | None = None,
) -> EvalReport:
    """Ingest `set_dir/docs` into a library and score every query of `set_dir/queries.jsonl`.

    `library_dir`: reuse (or create) this library, so a second run skips unchanged files; default a
    temporary library removed afterwards. `lanes`: lane names (default: the settings' lanes).
    """
    from ..library import Library

    settings = settings or Settings.from_env()
    eval_set = load_eval_set(set_dir)
    with tempfile.TemporaryDirectory(prefix="pagelens-eval-") as scratch:
        folder = Path(library_dir) if library_dir is not None else Path(scratch) / "library"
        with Library(folder, lanes=lanes, settings=settings.replace(library=folder)) as library:
            started = time.perf_counter()
            report = library.add(eval_set.doc_paths(), progress=progress)
            library.wait_for_lanes()  # every lane evaluated on every page (the visual ones encode behind)
            ingest_s = time.perf_counter() - started
            names = {path.name for path in eval_set.doc_paths()}
            pages = {doc.name: library.pages(doc.name) for doc in library.documents() if doc.name in names}
            page_texts = {name: [page.text for page in found] for name, found in pages.items()}
            languages = {(name, p.page): p.language for name, found in pages.items() for p in found}
            results, search_s = _run_queries(library, eval_set.queries, page_texts, languages)
            lane_names = library.lanes
    return _summarise(
        eval_set.root, lane_names, report, page_texts, eval_set.queries, results, ingest_s, search_s
    )


def _run_queries(
    library, queries: Sequence[EvalQuery], page_texts, languages: dict[PageId, str]
) -> tuple[list[QueryResult], float]:
    results: list[QueryResult] = []
    baseline = PlainBM25(page_texts)
    search_s = 0.0
    for query in queries:
        if not query.answerable:
            continue
        gold = resolve_gold(query, page_texts)
        started = time.perf_counter()
        hits = library.search(query.query, k=DEPTH)
        search_s += time.perf_counter() - started
        ranked = [(hit.doc, hit.page) for hit in hits]
        missed = dict.fromkeys(METRICS, 0.0)
        scores = score_ranking(ranked, gold) if gold else missed
        baseline_scores = score_ranking(baseline.rank(query.query, DEPTH), gold) if gold else missed
        pair = ""
        if query.type == CROSSLINGUAL:
            targets = "+".join(sorted({languages.get(page, "") or "?" for page in gold})) or "?"
            pair = f"{detect(query.query) or DEFAULT}->{targets}"
        results.append(
            QueryResult(
                query.qid, query.type, query.query, sorted(gold), ranked, scores, baseline_scores, pair
            )
        )
    return results, search_s


def _summarise(root, lane_names, add_report, page_texts, queries, results, ingest_s, search_s) -> EvalReport:
    by_type: dict[str, list[QueryResult]] = {}
    by_pair: dict[str, list[QueryResult]] = {}
    for result in results:
        by_type.setdefault(result.type, []).append(result)
        if result.languages:
            by_pair.setdefault(result.languages, []).append(result)
    return EvalReport(
        set_dir=str(root),
        lanes=list(lane_names),
        documents=len(page_texts),
        failed_documents={f.name: f.reason for f in add_report.by_status("failed")},
        pages=sum(len(texts) for texts in page_texts.values()),
        scored=len(results),
        unanswerable=sum(not q.answerable for q in queries),
        unresolved=[r.qid for r in results if not r.gold],
        overall=_means(results),
        by_type={t: _means(rs) for t, rs in sorted(by_type.items())},
        type_counts={t: len(rs) for t, rs in sorted(by_type.items())},
        baseline_overall=_means(results, baseline=True),
        baseline_by_type={t: _means(rs, baseline=True) for t, rs in sorted(by_type.items())},
        ingest_s=round(ingest_s, 2),
        search_ms_mean=round(1000 * search_s / max(1, len(results)), 2),
        queries=results,
        by_language_pair={pair: _means(rs) for pair, rs in sorted(by_pair.items())},
        language_pair_counts={pair: len(rs) for pair, rs in sorted(by_pair.items())},
    )


def _means(results: Sequence[QueryResult], *, baseline: bool = False) -> dict[str, float]:
    if not results:
        return dict.fromkeys(METRICS, 0.0)
    pick = (lambda r: r.baseline_scores) if baseline else (lambda r: r.scores)
    return {m: round(sum(pick(r)[m] for r in results) / len(results), 4) for m in METRICS}


def format_report(report: EvalReport) -> str:
    """A plain-text table: one row per query type, then the overall row (last column: plain bm25s nDCG@5)."""
    header = f"{'type':<14}{'n':>4}" + "".join(f"{m:>11}" for m in METRICS) + f"{'bm25s@5':>11}"
    lines = [
        f"eval set {report.set_dir}: {report.documents} documents, {report.pages} pages, "
        f"lanes {', '.join(report.lanes)}",
        f"{report.scored} scored queries, {report.unanswerable} unanswerable (not scored); "
        f"ingest {report.ingest_s:.1f} s, search {report.search_ms_mean:.1f} ms/query",
        "",
        header,
    ]
    for type_name, metrics in report.by_type.items():
        lines.append(
            f"{type_name:<14}{report.type_counts[type_name]:>4}"
            + "".join(f"{metrics[m]:>11.3f}" for m in METRICS)
            + f"{report.baseline_by_type[type_name]['ndcg@5']:>11.3f}"
        )
        if type_name == CROSSLINGUAL:
            for pair, pair_metrics in report.by_language_pair.items():
                lines.append(
                    f"{'  ' + pair:<14}{report.language_pair_counts[pair]:>4}"
                    + "".join(f"{pair_metrics[m]:>11.3f}" for m in METRICS)
                )
    lines.append(
        f"{'ALL':<14}{report.scored:>4}"
        + "".join(f"{report.overall[m]:>11.3f}" for m in METRICS)
        + f"{report.baseline_overall['ndcg@5']:>11.3f}"
    )
    for name, reason in report.failed_documents.items():
        lines.append(f"failed document {name}: {reason}")
    if report.unresolved:
        lines.append(f"gold not found in the rendered pages (scored 0): {', '.join(report.unresolved)}")
    return "\n".join(lines)
