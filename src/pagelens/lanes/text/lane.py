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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from typing import ClassVar

import numpy as np
import wordllama

from ...analysis import ANALYZER_VERSION, analyze, analyze_words, raw_terms, stem
from ...bilingual import dictionaries
from ...compounds import CompoundSplitter
from ...config import Settings
from ...errors import SettingsError, StoreUnavailableError, UnknownLaneError
from ...furniture import RULE_VERSION, Furniture
from ...index.chroma import delete_documents
from ...index.lane import Lane, LaneContext, LaneHit, Query, TermStatistics
from ...index.languages import tagged
from ...language import DEFAULT, detect
from ...types import Page
from .bm25_index import IndexedPage, LexicalIndex
from .looks import LooksMatch, LooksQuery, LooksStore, match
from .negation import negation_markers
from .translation import Expansion, expand
from .wordllama import WORDLLAMA_CONFIG, WORDLLAMA_DIM, load_wordllama

log = logging.getLogger(__name__)

_Parts = Callable[[str], list[str]]  # a lowercased word's compound parts (compounds.py)


@dataclass(frozen=True)
class TextLaneParams:
    """Every signal of the text lane, each switchable (`Settings.text_params`, e.g. `negation=0`; the
    ablation in bench/ablate_text_lane.py). Those read at index time (`INDEX_TIME`) are in the lane's
    spec, so changing one re-indexes the lane; the others act on the next query."""

    INDEX_TIME: ClassVar[tuple[str, ...]] = (
        "passage_words",
        "passage_stride",
        "furniture_weight",
        "negation",
        "figure_text",
        "stemming",
        "word_parts",
    )

    dense_weight: (
        float  # weight of the best passage cosine next to max-normalised BM25 (Settings.text_dense_weight)
    )
    k1: float = 1.5
    b: float = 0.5
    bigram_weight: float = 0.4  # BM25 over adjacent-term pairs, added to the unigram BM25 score
    passage_words: int = 80
    passage_stride: int = 80
    dense_passages: int = 200  # passages fetched from Chroma per query
    bm25_candidates: int = 100  # pages from BM25 considered for fusion (plus every page dense found)
    colour_weight: float = 0.3  # weight of the query's colour words' match (lanes/text/looks.py)
    kind_weight: float = 0.3  # weight of the share of the query's figure-kind words the page meets
    title_weight: float = 0.0  # weight of the share of query terms in the page's title line
    furniture_weight: float = 0.75  # term frequency of a running head's, foot's or page number's term
    # the no-match floor: when no page (in scope) holds any query term, pages are found by meaning alone
    # only if the best passage is at least this close (cosine); else the lane finds nothing and search says
    # "no page matches". Set on dev: unrelated queries score 0.13-0.26, a German question about an English
    # page 0.34; every dev query has a term match, so rankings with one are untouched.
    meaning_floor: float = 0.30
    negation: bool = True  # `not_<stem>` markers on pages and queries (negation.py)
    figure_text: bool = True  # text read inside raster figures is indexed with the page's text
    stemming: bool = True  # Snowball stems (off: lowercased words)
    word_parts: bool = True  # a compound token's parts (`set_xlabel` -> set, xlabel) are terms too
    # a question's words translated into the library's other languages (translation.py): the weight of a
    # translation every sense of its word gives (0: no translation), the exponent of the share of senses
    # giving it, and how many target terms a word keeps
    translation_weight: float = 0.8
    translation_sense_exponent: float = 0.5
    translation_terms: int = 12
    part_fallback: bool = True  # a query's compound word counts once (Snapshot.scores)

    @classmethod
    def from_settings(cls, settings: Settings) -> "TextLaneParams":
        """The defaults above, `Settings.text_dense_weight`, then `Settings.text_params` by field name."""
        kinds = {f.name: f.type for f in fields(cls)}
        unknown = sorted(set(settings.text_params) - set(kinds))
        if unknown:
            raise SettingsError(
                f"setting text_params (PAGELENS_TEXT_PARAMS) names no text lane parameter {unknown}; "
                f"known: {', '.join(kinds)}"
            )
        cast = {"bool": bool, "int": int, "float": float}
        overrides = {name: cast[kinds[name]](value) for name, value in settings.text_params.items()}
        return replace(cls(dense_weight=settings.text_dense_weight), **overrides)


def create_lane(name: str, ctx: LaneContext) -> "TextLane":
    if name != "text":
        raise UnknownLaneError(f"the text lane takes no option, got {name!r}")
    return TextLane(ctx, TextLaneParams.from_settings(ctx.settings))


def _splitter(pages: Sequence[Page], texts: dict[str, str]) -> CompoundSplitter:
    """German compound splitting on the stems of the document's own German words (compounds.py)."""
    words = [t for p in pages if "de" in p.languages for t in raw_terms(texts[p.key]) if t.isalpha()]
    counts: dict[str, int] = {}
    for term in stem(words, "de"):
        counts[term] = counts.get(term, 0) + 1
    return CompoundSplitter(counts, lambda word: stem([word], "de")[0])


def passages(text: str, words: int, stride: int) -> list[str]:
    """Overlapping windows of `words` words every `stride` words (one window for a short page)."""
    tokens = text.split()
    if len(tokens) <= words:
        return [" ".join(tokens)] if tokens else []
    starts = range(0, len(tokens) - words + stride, stride)
    return [" ".join(tokens[start : start + words]) for start in starts]


class TextLane(Lane):
    name = "text"

    def __init__(self, ctx: LaneContext, params: TextLaneParams) -> None:
        self.params = params
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

    def index(self, pages: Sequence[Page]) -> None:
        if not pages:
            return
        pages = [tagged(p) for p in pages]  # pages of a library made before languages were detected
        doc_ids = sorted({p.doc_id for p in pages})
        furniture = {doc_id: Furniture.of([p for p in pages if p.doc_id == doc_id]) for doc_id in doc_ids}
        split = {p.key: furniture[p.doc_id].split(p) for p in pages}
        texts = {p.key: self._with_figures(split[p.key][0], p) for p in pages}
        splitters = {d: _splitter([p for p in pages if p.doc_id == d], texts) for d in doc_ids}
        chunk_ids: list[str] = []
        chunk_texts: list[str] = []
        chunk_meta: list[dict] = []
        for page in pages:
            chunks = passages(texts[page.key], self.params.passage_words, self.params.passage_stride)
            for n, chunk in enumerate(chunks):
                chunk_ids.append(f"{page.key}#{n}")
                chunk_texts.append(chunk)
                chunk_meta.append({"doc_id": page.doc_id, "page": page.page, "key": page.key})
        analysed = []
        for p in pages:
            parts = splitters[p.doc_id].parts
            analysed.append(
                IndexedPage(
                    p.key,
                    p.doc_id,
                    self._page_terms(p, texts[p.key], parts),
                    [
                        []
                        if furniture[p.doc_id].region_is_furniture(r.text, r.box)
                        else analyze(r.text, language=r.language or p.language, parts=parts)
                        for r in p.regions
                    ],
                    [term for word in self._words(split[p.key][1], language=p.language) for term in word],
                )
            )
        vectors = (
            load_wordllama().embed(chunk_texts, norm=True) if chunk_texts else np.zeros((0, WORDLLAMA_DIM))
        )
        with self._write_lock:
            # a re-indexed document may have fewer pages or passages now
            delete_documents(self._collection, doc_ids)
            for start in range(0, len(chunk_ids), self._chroma.max_batch):
                end = start + self._chroma.max_batch
                self._collection.upsert(
                    ids=chunk_ids[start:end],
                    embeddings=vectors[start:end].tolist(),
                    metadatas=chunk_meta[start:end],
                )
            # replaces the documents' earlier pages in the same commit
            self._lexical.add(analysed, furniture_weight=self.params.furniture_weight)
            self._looks.replace(doc_ids, pages)

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
        words = self._words(query.text, language=language, query=True)
        terms = self._lexical_terms(query.text, words, query=True)
        expansion = self.translate(query.text, language, query.languages)
        # a compound word counts once (Snapshot.scores); the scope filters rows before the top-k is taken;
        # the top-k skips what cannot reach it, exactly
        compounds = [w for w in words if len(w) > 1] if self.params.part_fallback else []
        scope = None if query.docs is None else snapshot.rows_of(query.docs)
        top_rows, top_scores = snapshot.top(
            terms, self.params.bigram_weight, self.params.bm25_candidates, scope, expansion.terms, compounds
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
        query_terms = set(terms) | set(expansion.terms)
        return [
            LaneHit(
                key=key,
                score=score,
                region=_best_region(region_terms.get(key, []), query_terms),
                why=matches[key].why if key in matches else "",
            )
            for key, score in ranked
        ]

    def _words(
        self, text: str, *, language: str = DEFAULT, query: bool = False, parts: _Parts | None = None
    ) -> list[list[str]]:
        """Each word's terms: its own, then (with `word_parts`) its parts' (`analysis.analyze_words`): a
        code token's (`set_xlabel` -> set, xlabel) and a German compound's (`parts`, compounds.py)."""
        words = analyze_words(text, query=query, stemmed=self.params.stemming, language=language, parts=parts)
        return words if self.params.word_parts else [word[:1] for word in words]

    def _page_terms(self, page: Page, text: str, parts: _Parts) -> list[str]:
        """A page's BM25 terms in its language; a region in another language (a page mixing languages)
        adds its words analysed in that language too (its stems in the page's language are already in)."""
        terms = self._lexical_terms(text, self._words(text, language=page.language, parts=parts))
        for region in page.regions:
            if region.language and region.language != page.language:
                words = self._words(region.text, language=region.language, parts=parts)
                terms += [term for word in words for term in word]
        return terms

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
        )

    def _lexical_terms(
        self, text: str, words: list[list[str]] | None = None, *, query: bool = False
    ) -> list[str]:
        """BM25 terms of page text or a query: its words' terms (`words`, default `_words(text)`), then
        negation markers (negation.py). In a query with `part_fallback`, a compound word gives its own
        term only: its parts score apart (`Snapshot.scores`)."""
        words = self._words(text, query=query) if words is None else words
        whole = query and self.params.part_fallback
        markers = negation_markers(text, query=query) if self.params.negation else []
        return [term for word in words for term in (word[:1] if whole else word)] + markers

    def _with_figures(self, text: str, page: Page) -> str:
        """The page's text layer (or OCR) and the text read inside its raster figures."""
        figures = page.figure_text if self.params.figure_text else ""
        return f"{text}\n{figures}" if figures else text

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
