"""The reference the text lane must beat: plain bm25s (its default tokenizer, English stopwords) over the
same page texts the library stored. Scored in the same run so the comparison needs no remembered number."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import bm25s
import numpy as np

from .dataset import PageId

# bm25s sets its own logger to DEBUG, which floods any application that logs at WARNING.
logging.getLogger("bm25s").setLevel(logging.WARNING)


class PlainBM25:
    def __init__(self, page_texts: Mapping[str, Sequence[str]]) -> None:
        self.ids: list[PageId] = [
            (doc, n) for doc, texts in page_texts.items() for n in range(1, len(texts) + 1)
        ]
        corpus = [text for texts in page_texts.values() for text in texts]
        self.model = bm25s.BM25()
        if corpus:
            self.model.index(bm25s.tokenize(corpus, stopwords="en", show_progress=False), show_progress=False)

    def rank(self, query: str, k: int) -> list[PageId]:
        if not self.ids:
            return []
        tokens = bm25s.tokenize([query], stopwords="en", show_progress=False, return_ids=False)[0]
        known = [t for t in tokens if t in self.model.vocab_dict]
        if not known:
            return []
        scores = self.model.get_scores(known)
        return [self.ids[i] for i in np.argsort(-scores, kind="stable")[:k] if scores[i] > 0]
