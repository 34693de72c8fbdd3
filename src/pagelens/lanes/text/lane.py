"""The offline "text" lane: BM25 over analysed page text, fused with wordllama passage vectors in Chroma.

Why this shape (nDCG@5 measured on the 64 answerable queries of the project's dev evaluation set):
- BM25 does most of the work; code-aware tokens, stemming and query-side question words lift it from
  nDCG@5 0.772 to ~0.83; BM25 over adjacent term pairs (weight 0.4) adds a phrase signal (~0.85).
  `b=0.5` suits pages whose lengths vary a lot (slides next to dense manual pages). Negation markers
  (`negation.py`: "impossible" meets "no ... is possible") lift dev slides 0.874 -> 0.935.
- wordllama vectors are weak alone (0.51) and reciprocal-rank fusion drags BM25 down, so dense only
  nudges: `bm25 / max(bm25) + w * cosine` with a small `w` (raw cosine: no per-query min-max, whose
  result would depend on how many passages were fetched).
- Dense vectors are taken per passage (80-word windows) and max-pooled to the page: a
  static embedding of a whole page averages its topic away, a passage keeps it.

Storage: BM25 lives in an incremental segmented index (`bm25_index.py`: `lexical.sqlite` + memory-mapped
segments in the lane folder; adding a document costs time proportional to it, never a rebuild), Chroma
holds the passage vectors (ids `<page key>#<n>`, metadata doc_id/page). Searching takes no lock: it reads
the last committed snapshot, so a search running next to an `index` call in another thread or process
answers from the state before that call and sees the new pages once it has committed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

import numpy as np
import wordllama

from ...analysis import ANALYZER_VERSION, joined_words
from ...bilingual import dictionaries
from ...errors import StoreUnavailableError, UnknownLaneError
from ...furniture import RULE_VERSION
from ...index.chroma import delete_documents
from ...index.lane import Lane, LaneContext, LaneHit, Query, TermStatistics
from ...language import DEFAULT, detect
from ...types import Page
from .bm25_index import LexicalIndex
from .looks import LooksMatch, LooksQuery, LooksStore, match
from .params import TextLaneParams
from .prepare import PreparedText, TextPreparer
from .terms import TextTerms
from .translation import Expansion, expand
from .wordllama import WORDLLAMA_CONFIG, WORDLLAMA_DIM, load_wordllama

log = logging.getLogger(__name__)


def create_lane(name: str, ctx: LaneContext) -> "TextLane":
    if name != "text":
        raise UnknownLaneError(f"the text lane takes no option, got {name!r}")
    return TextLane(ctx, TextLaneParams.from_settings(ctx.settings))


class TextLane(Lane):
    name = "text"

    def __init__(self, ctx: LaneContext, params: TextLaneParams) -> None:
        self.params = params
        self._terms = TextTerms(params)
        self.folder = ctx.folder
        self._chroma = ctx.chroma
        try:
            self._collection = ctx.chroma.collection(self._collection_name(), metadata={"lane": "text"})
        except StoreUnavailableError as err:
            if not ctx.read_only:
                raise
            log.warning("text lane without its dense signal: %s", err)
            self._collection = None  # a reader ranks by BM25 and term pairs alone
        self._write_lock = threading.Lock()  # one index/delete at a time; searches never take it
        self._lexical = LexicalIndex(self.folder, k1=params.k1, b=params.b, writable=not ctx.read_only)
        self._looks = LooksStore(self.folder, writable=not ctx.read_only)
        self._dictionary = dictionaries(ctx.settings)

    def _collection_name(self) -> str:
        p = self.params
        return f"lane-text-wordllama-{WORDLLAMA_CONFIG}-{WORDLLAMA_DIM}-p{p.passage_words}s{p.passage_stride}"

    def spec(self) -> dict:
        return {
            "lane": "text",
            "dense": {
                "model": f"wordllama/{WORDLLAMA_CONFIG}",
                "dim": WORDLLAMA_DIM,
                "version": wordllama.__version__,
            },
            "analyzer": ANALYZER_VERSION,  # with the languages it detects (language.py)
            "bm25": {"method": "lucene", "index": "segments-1"},
            "furniture": RULE_VERSION,  # what is furniture (weighted `furniture_weight`, no dense vector)
            "looks": "2",  # 2: titles from headings.page_titles (furniture rules)
            "params": {name: getattr(self.params, name) for name in TextLaneParams.INDEX_TIME},
        }

    # -- writing ------------------------------------------------------------------------------------------

    def preparer(self) -> TextPreparer:
        return TextPreparer(self.params)

    def index(self, pages: Sequence[Page]) -> None:
        if pages:
            self.index_prepared(self.preparer()(pages))

    def index_prepared(self, prepared: PreparedText) -> None:
        with self._write_lock:
            # a re-indexed document may have fewer pages or passages now
            delete_documents(self._collection, prepared.doc_ids)
            ids, vectors, meta = prepared.passage_ids, prepared.vectors, prepared.passage_meta
            for start in range(0, len(ids), self._chroma.max_batch):
                end = start + self._chroma.max_batch
                self._collection.upsert(
                    ids=ids[start:end], embeddings=vectors[start:end].tolist(), metadatas=meta[start:end]
                )
            # replaces the documents' earlier pages in the same commit
            self._lexical.add_segment(prepared.lexical)
            self._looks.replace(prepared.doc_ids, prepared.looks)

    def delete(self, doc_ids: Sequence[str]) -> None:
        doc_ids = sorted(set(doc_ids))
        if not doc_ids:
            return
        with self._write_lock:
            delete_documents(self._collection, doc_ids)
            self._lexical.delete(doc_ids)
            self._looks.delete(doc_ids)

    # -- searching ----------------------------------------------------------------------------------------

    def search(self, query: Query, k: int) -> list[LaneHit]:
        if not query.text or not query.text.strip() or k <= 0:
            return []
        snapshot = self._lexical.snapshot()
        if not snapshot.live_rows:
            return []
        language = detect(query.text) or DEFAULT
        words = self._terms.words(query.text, language=language, query=True)
        terms = self._terms.lexical_terms(query.text, words, query=True)
        expansion = self.translate(query.text, language, query.languages)
        if self.params.joined_weight:
            joined = joined_words(query.text, snapshot.document_frequency, language)
            expansion.merge({term: self.params.joined_weight for term in joined if term not in terms})
        # a compound word counts once (Snapshot.scores); the scope filters rows before the top-k is taken;
        # the top-k skips what cannot reach it, exactly
        compounds = [w for w in words if len(w) > 1] if self.params.part_fallback else []
        scope = None if query.docs is None else snapshot.rows_of(query.docs)
        top_rows, top_scores = snapshot.top(
            terms,
            self.params.bigram_weight,
            self.params.bm25_candidates,
            scope,
            expansion.terms,
            compounds,
            expansion.respelled,
            self.params.translation_respelled_weight,
        )
        dense = self._dense_page_scores(query)
        best = float(top_scores[0]) if len(top_scores) else 0.0
        if best <= 0 and max(dense.values(), default=0.0) < self.params.meaning_floor:
            return []  # no term anywhere in scope, nothing close in meaning: no page matches
        fused = {key: float(score) / best for key, score in zip(snapshot.keys(top_rows), top_scores)}
        if dense:
            floor = min(dense.values())  # pages beyond the fetched passages score at most this
            for key in fused.keys() | dense.keys():
                fused[key] = fused.get(key, 0.0) + self.params.dense_weight * dense.get(key, floor)
        p, looks = self.params, LooksQuery.parse(query.text)
        # the looks fields move scores only for a query with colour or kind words (or with a title weight);
        # for any other query they only explain, so only the k pages returned are read (not ~200 candidates)
        ranks_by_looks = bool(looks.colours or looks.kinds or p.title_weight)
        matches = self._looks_matches(list(fused), looks) if ranks_by_looks else {}
        for key, found in matches.items():
            fused[key] += (
                p.colour_weight * found.colour + p.kind_weight * found.kind + p.title_weight * found.title
            )
        ranked = sorted(fused.items(), key=lambda item: (-item[1], item[0]))[:k]
        if not ranks_by_looks:
            matches = self._looks_matches([key for key, _ in ranked], looks)
        region_terms = self._lexical.regions([key for key, _ in ranked])
        query_terms = set(terms) | set(expansion.terms) | {there for _, there in expansion.respelled}
        return [
            LaneHit(
                key=key,
                score=score,
                region=_best_region(region_terms.get(key, []), query_terms),
                why=matches[key].why if key in matches else "",
            )
            for key, score in ranked
        ]

    def translate(self, text: str, language: str, languages: Sequence[str]) -> Expansion:
        """The question's words in the other languages of `languages` (the library's), with notes saying
        what it was translated with or which dictionary is missing (`translation.py`)."""
        p = self.params
        if not p.translation_weight:
            return Expansion()
        return expand(
            text,
            language,
            languages,
            self._dictionary,
            weight=p.translation_weight,
            sense_exponent=p.translation_sense_exponent,
            max_terms=p.translation_terms,
            respell=p.translation_respelled_weight > 0 and p.stemming,  # unstemmed, no form differs
            compounds=True,
        )

    def term_statistics(self) -> TermStatistics:
        snapshot = self._lexical.snapshot()
        return TermStatistics(snapshot.live_rows, snapshot.document_frequency)

    def _looks_matches(self, keys: list[str], query: LooksQuery) -> dict[str, LooksMatch]:
        """How each of these pages meets the query's looks fields (pages without a stored look left out)."""
        return {key: match(query, look) for key, look in self._looks.get(keys).items()}

    def _dense_page_scores(self, query: Query) -> dict[str, float]:
        """Best passage cosine per page, over the passages nearest to the query (in `query.docs` if set)."""
        if self._collection is None:
            return {}
        vector = load_wordllama().embed([query.text], norm=True)[0]
        # no count() first: it costs as much as the query, and Chroma returns fewer when it holds fewer;
        # no metadatas either: the page key is in the passage id, and fetching 200 passages' metadata costs
        # 3-4x the vector search itself (measured with chromadb 1.5: ~9 ms vs ~2.5 ms CPU per query)
        found = self._collection.query(
            query_embeddings=[vector.tolist()],
            n_results=self.params.dense_passages,
            where=query.chroma_where(),
            include=["distances"],
        )
        scores: dict[str, float] = {}
        for passage_id, distance in zip(found["ids"][0], found["distances"][0]):
            key = passage_id.rpartition("#")[0]  # `<page key>#<n>`
            scores[key] = max(scores.get(key, -1.0), 1.0 - float(distance))
        return scores

    def close(self) -> None:
        with self._write_lock:
            self._lexical.close()
            self._looks.close()


def _best_region(regions: list[set[str]], query_terms: set[str]) -> int | None:
    """Index of the region sharing most query terms (None when no region shares any)."""
    overlaps = [len(terms & query_terms) for terms in regions]
    if not overlaps or max(overlaps) == 0:
        return None
    return int(np.argmax(overlaps))
