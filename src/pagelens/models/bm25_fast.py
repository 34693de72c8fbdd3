"""Fast, vectorised construction of `bm25s` indexes over unigrams and adjacent-term bigrams.

bm25s builds its matrix with per-document Python loops (~5 s per 10,000 pages here, and once more for
bigrams). This computes the same Lucene-variant matrix (checked against bm25s in tests/test_text_lane.py)
with numpy from one flat array of term ids, and derives the bigram index from the unigram ids without
building bigram strings per position. Scoring, saving and loading stay bm25s's own.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

import bm25s
import numpy as np
import scipy.sparse as sp

# bm25s sets its own logger to DEBUG, which floods any application that logs at WARNING.
logging.getLogger("bm25s").setLevel(logging.WARNING)


class FastBM25(bm25s.BM25):
    def __init__(self, *, k1: float, b: float) -> None:
        super().__init__(k1=k1, b=b, method="lucene")

    def fit(self, rows: np.ndarray, term_ids: np.ndarray, lengths: np.ndarray, vocab: dict[str, int],
            n_terms: int | None = None) -> None:
        """Index: token `i` of the corpus is term `term_ids[i]` in document `rows[i]`; `lengths` per document.
        `vocab` maps term strings to ids (empty when the caller looks ids up itself; then give `n_terms`)."""
        n_docs, n_vocab = len(lengths), max(n_terms if n_terms is not None else len(vocab), 1)
        pairs, tf = np.unique(rows * n_vocab + term_ids, return_counts=True)  # (doc, term) -> frequency
        doc_idx, term_idx = np.divmod(pairs, n_vocab)
        df = np.bincount(term_idx, minlength=n_vocab)
        idf = np.log1p((n_docs - df + 0.5) / (df + 0.5))
        avg_len = max(float(lengths.mean()), 1.0) if n_docs else 1.0
        norm = self.k1 * ((1 - self.b) + self.b * lengths[doc_idx] / avg_len)
        weights = (idf[term_idx] * tf / (norm + tf)).astype(self.dtype)
        matrix = sp.csc_matrix((weights, (doc_idx, term_idx)), shape=(n_docs, n_vocab), dtype=self.dtype)
        self.scores = {"data": matrix.data, "indices": matrix.indices.astype(self.int_dtype),
                       "indptr": matrix.indptr.astype(self.int_dtype), "num_docs": n_docs}
        self.vocab_dict = vocab
        self.unique_token_ids_set = set(vocab.values())
        self.nonoccurrence_array = None


@dataclass
class TermIndex:
    """BM25 over single terms plus BM25 over adjacent term pairs (a cheap phrase/proximity signal).

    Bigram columns are identified by `first_id * n_unigrams + second_id` (sorted in `bigram_codes`), so
    neither building nor querying makes a string per bigram.
    """

    unigrams: bm25s.BM25
    bigrams: bm25s.BM25
    bigram_codes: np.ndarray

    @property
    def num_docs(self) -> int:
        return int(self.unigrams.scores["num_docs"])

    @classmethod
    def build(cls, documents: list[list[str]], *, k1: float, b: float) -> "TermIndex":
        lengths = np.fromiter((len(doc) for doc in documents), dtype=np.int64, count=len(documents))
        flat = list(chain.from_iterable(documents))
        vocab = {term: i for i, term in enumerate(dict.fromkeys(flat))}
        term_ids = np.fromiter(map(vocab.__getitem__, flat), dtype=np.int64, count=len(flat))
        rows = np.repeat(np.arange(len(documents), dtype=np.int64), lengths)
        unigrams = FastBM25(k1=k1, b=b)
        unigrams.fit(rows, term_ids, lengths, vocab)
        follows = np.ones(len(term_ids), dtype=bool)  # token i has a successor in the same document
        follows[(np.cumsum(lengths) - 1)[lengths > 0]] = False
        starts = np.flatnonzero(follows)
        pair_codes = term_ids[starts] * len(vocab) + term_ids[starts + 1]
        codes, bigram_ids = np.unique(pair_codes, return_inverse=True)
        bigrams = FastBM25(k1=k1, b=b)
        bigrams.fit(rows[starts], bigram_ids.astype(np.int64).ravel(), np.maximum(lengths - 1, 0), {},
                    n_terms=len(codes))
        return cls(unigrams, bigrams, codes)

    def scores(self, terms: list[str], bigram_weight: float) -> np.ndarray:
        vocab = self.unigrams.vocab_dict
        ids = [vocab[t] for t in terms if t in vocab]
        total = (self.unigrams.get_scores_from_ids(ids) if ids
                 else np.zeros(self.num_docs, dtype=np.float32))
        if bigram_weight and len(self.bigram_codes):
            pair_codes = np.array([vocab[a] * len(vocab) + vocab[b] for a, b in zip(terms, terms[1:])
                                   if a in vocab and b in vocab], dtype=np.int64)
            where = np.searchsorted(self.bigram_codes, pair_codes)
            found = where < len(self.bigram_codes)
            found[found] &= self.bigram_codes[where[found]] == pair_codes[found]
            if found.any():
                total = total + bigram_weight * self.bigrams.get_scores_from_ids(where[found].tolist())
        return total

    def save(self, folder: Path) -> None:
        self.unigrams.save(folder / "unigrams", show_progress=False)
        self.bigrams.save(folder / "bigrams", show_progress=False)
        np.save(folder / "bigram_codes.npy", self.bigram_codes)

    @classmethod
    def load(cls, folder: Path) -> "TermIndex":
        return cls(bm25s.BM25.load(folder / "unigrams", show_progress=False),
                   bm25s.BM25.load(folder / "bigrams", show_progress=False),
                   np.load(folder / "bigram_codes.npy"))
