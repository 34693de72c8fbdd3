"""What the text lane computes from whole documents' pages before it stores anything (`TextPreparer`):
furniture split, analysed terms built into a BM25 segment, passages and their wordllama vectors, each
page's look.

It is pure (no store, no lock, no Chroma import) and picklable, so it runs where the pages were rendered:
a sandboxed worker (`ingest.batch`; the process writing the library then only writes, and `N` workers
share the analysis and embedding instead of waiting on one writer). `TextLane.index` runs the same code
itself (a lane filled from stored pages, files rendered on Ray), so either place gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ...analysis import analyze, raw_terms, stem
from ...compounds import CompoundSplitter
from ...furniture import Furniture
from ...index.languages import tagged
from ...types import Page
from .bm25_index import IndexedPage, NewSegment, build_segment
from .looks import look_rows
from .params import TextLaneParams
from .terms import TextTerms
from .wordllama import WORDLLAMA_DIM, load_wordllama


@dataclass(frozen=True)
class PreparedText:
    """Pages (whole documents) ready to store: passage ids, metadata and unit vectors for Chroma, a built
    BM25 segment, and each page's look row."""

    doc_ids: list[str]
    passage_ids: list[str]  # `<page key>#<n>`
    passage_meta: list[dict]
    vectors: np.ndarray  # one unit-length WORDLLAMA_DIM row per passage
    lexical: NewSegment
    looks: list[tuple[str, str, str]]


def passages(text: str, words: int, stride: int) -> list[str]:
    """Overlapping windows of `words` words every `stride` words (one window for a short page)."""
    tokens = text.split()
    if len(tokens) <= words:
        return [" ".join(tokens)] if tokens else []
    starts = range(0, len(tokens) - words + stride, stride)
    return [" ".join(tokens[start : start + words]) for start in starts]


def _splitter(pages: Sequence[Page], texts: dict[str, str]) -> CompoundSplitter:
    """German compound splitting on the stems of the document's own German words (compounds.py)."""
    words = [t for p in pages if "de" in p.languages for t in raw_terms(texts[p.key]) if t.isalpha()]
    counts: dict[str, int] = {}
    for term in stem(words, "de"):
        counts[term] = counts.get(term, 0) + 1
    return CompoundSplitter(counts, lambda word: stem([word], "de")[0])


@dataclass(frozen=True)
class TextPreparer:
    params: TextLaneParams

    def __call__(self, pages: Sequence[Page]) -> PreparedText:
        """`pages`: every page of each of their documents (furniture and compound parts are per document)."""
        p, terms = self.params, TextTerms(self.params)
        pages = [tagged(page) for page in pages]  # pages of a library made before languages were detected
        doc_ids = sorted({page.doc_id for page in pages})
        furniture = {d: Furniture.of([page for page in pages if page.doc_id == d]) for d in doc_ids}
        split = {page.key: furniture[page.doc_id].split(page) for page in pages}
        texts = {page.key: terms.with_figures(split[page.key][0], page) for page in pages}
        splitters = {d: _splitter([page for page in pages if page.doc_id == d], texts) for d in doc_ids}
        passage_ids: list[str] = []
        passage_texts: list[str] = []
        passage_meta: list[dict] = []
        for page in pages:
            for n, chunk in enumerate(passages(texts[page.key], p.passage_words, p.passage_stride)):
                passage_ids.append(f"{page.key}#{n}")
                passage_texts.append(chunk)
                passage_meta.append({"doc_id": page.doc_id, "page": page.page, "key": page.key})
        analysed = []
        for page in pages:
            parts, marks = splitters[page.doc_id].parts, furniture[page.doc_id]
            analysed.append(
                IndexedPage(
                    page.key,
                    page.doc_id,
                    terms.page_terms(page, texts[page.key], parts),
                    [
                        []
                        if marks.region_is_furniture(r.text, r.box)
                        else analyze(r.text, language=r.language or page.language, parts=parts)
                        for r in page.regions
                    ],
                    [t for word in terms.words(split[page.key][1], language=page.language) for t in word],
                )
            )
        vectors = (
            load_wordllama().embed(passage_texts, norm=True)
            if passage_texts
            else np.zeros((0, WORDLLAMA_DIM), dtype=np.float32)
        )
        return PreparedText(
            doc_ids,
            passage_ids,
            passage_meta,
            vectors,
            build_segment(analysed, furniture_weight=p.furniture_weight),
            look_rows(pages),
        )
