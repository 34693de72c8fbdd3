"""Exact top-k BM25 without scoring every posting: block-max pruning over the segments' row blocks.

A query term's contribution to a row is `scale * tf / (tf + norm[row])`; its block maxima (segments.py)
bound that contribution over each block of BLOCK_ROWS rows. The search:
1. scores the postings of short lists (terms without block maxima in a segment) into a partial score per
   row, and sums the long lists' bounds per block (`pending`);
2. takes the long lists term by term, highest bound first, adding each into the partial scores, while the
   rows that could still reach the top k (partial score + pending bound of their block >= the k-th best
   partial score seen) would cost more to score one by one than the next list costs whole;
3. scores those candidate rows exactly, looking each term up in each segment (binary search), in the
   query's term order with the same float32 operations as the exhaustive `Snapshot.scores`, and returns
   the best k (ties: lower row first).
A row left out has a partial score plus pending bound below the k-th best partial score, which no row's
full score is below: the result equals exhaustive scoring's, bit for bit (checked in
tests/test_top_k.py). Common words, present on most pages with a low idf, are the long lists that step 2
leaves out; they cost a binary search per candidate instead of a pass over every page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .segments import BLOCK_ROWS

SLACK = 1e-4  # relative: a bound is compared with float32 sums, whose rounding is far below this
RESCORE_COST = 2.0  # looking a candidate row up in one term's list costs about this many postings


@dataclass(frozen=True)
class TermPostings:
    """One query term's live postings in one segment (`part`: its place in the snapshot's parts)."""

    part: int
    term_index: int  # in the segment's field: where its block maxima are found
    rows: np.ndarray
    tf: np.ndarray
    norm: np.ndarray  # k1 * (1 - b + b * length / avgdl) per row of the segment


@dataclass(frozen=True)
class QueryTerm:
    field: str  # "uni" or "bi"
    scale: np.float32  # idf * field weight * times the query holds the term
    postings: list[TermPostings]

    def contributions(self, postings: TermPostings, at: np.ndarray | None = None) -> np.ndarray:
        """The term's BM25 part at these postings (all, or positions `at`), in float32 in one fixed order
        of operations: every scorer gets the same bits for the same posting."""
        tf = postings.tf if at is None else postings.tf[at]
        rows = postings.rows if at is None else postings.rows[at]
        term = postings.norm[rows]
        term += tf
        np.divide(tf, term, out=term)
        term *= self.scale
        return term


@dataclass(frozen=True)
class PartFallback:
    """A compound word of the query, counted once: on the rows that lack the whole word, the BM25 of its
    parts divided by `divisor` (their count); nothing on the rows that hold it."""

    whole: QueryTerm | None  # None: no live row holds it
    parts: list[QueryTerm]
    divisor: np.float32


@dataclass(frozen=True)
class BoundParams:
    """norm = a + c * length: a = k1 * (1 - b), c = k1 * b / avgdl of the field."""

    a: float
    c: dict[str, float]


@dataclass
class _LongList:
    postings: TermPostings
    blocks: np.ndarray  # global block number of each block maximum
    bounds: np.ndarray  # float64 bound of the term's contribution in that block


@dataclass
class _LongTerm:
    term: QueryTerm
    lists: list[_LongList]
    bound: float
    size: int  # postings


def top_k(
    parts: Sequence,
    query: list[QueryTerm],
    k: int,
    params: BoundParams,
    allowed: np.ndarray | None = None,
    fallbacks: Sequence[PartFallback] = (),
) -> tuple[np.ndarray, np.ndarray]:
    """The best k rows (global, ascending row on ties) and their scores; see the module docstring."""
    if not (query or fallbacks) or k <= 0 or not parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    return _Search(parts, query, params, allowed, fallbacks).run(k)


class _Search:
    def __init__(
        self,
        parts: Sequence,
        query: list[QueryTerm],
        params: BoundParams,
        allowed: np.ndarray | None,
        fallbacks: Sequence[PartFallback],
    ) -> None:
        self.parts, self.query, self.fallbacks = parts, query, fallbacks
        self.offsets = np.array([p.offset for p in parts], dtype=np.int64)
        self.sizes = np.array([p.segment.size for p in parts], dtype=np.int64)
        counts = [(size + BLOCK_ROWS - 1) // BLOCK_ROWS for size in self.sizes]
        self.block_base = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        total = int(self.offsets[-1] + self.sizes[-1])
        mask = allowed
        if any(p.live is not None for p in parts):
            live = np.concatenate(
                [np.ones(p.segment.size, bool) if p.live is None else p.live for p in parts]
            )
            mask = live if mask is None else mask & live
        self.mask = mask
        self.partial = np.zeros(total, dtype=np.float32)
        self.best = np.zeros(int(self.block_base[-1]), dtype=np.float32)  # highest partial score per block
        self.pending = np.zeros(int(self.block_base[-1]), dtype=np.float64)  # bound of lists not added
        # global rows (and their blocks) of the lists added that may still reach the top k; a row may be
        # in several
        self.added: list[tuple[np.ndarray, np.ndarray]] = []
        self.long: list[_LongTerm] = []
        # terms a candidate row is looked up in (one binary search each, in its own segment's list)
        self.lookups = len(query) + sum(len(f.parts) + 1 for f in fallbacks)
        for term in query:
            lists = []
            for postings in term.postings:
                blocks = getattr(parts[postings.part].segment, term.field).blocks
                if blocks is None or blocks.of_term(postings.term_index) is None:
                    self._add(term, postings)
                else:
                    lists.append(_LongList(postings, *self._bounds(term, postings, params)))
            if lists:
                for item in lists:
                    self.pending += np.bincount(item.blocks, item.bounds, minlength=len(self.pending))
                self.long.append(
                    _LongTerm(
                        term,
                        lists,
                        max(float(item.bounds.max()) for item in lists),
                        sum(len(item.postings.rows) for item in lists),
                    )
                )
        self.long.sort(key=lambda t: -t.bound)
        # a compound word's parts never add to the partial scores (the row may hold the whole word, where
        # they count nothing): their bound stays pending
        for fallback in fallbacks:
            for term in fallback.parts:
                for postings in term.postings:
                    blocks, bounds = self._bounds(term, postings, params)
                    self.pending += np.bincount(blocks, bounds / float(fallback.divisor), len(self.pending))

    def _bounds(
        self, term: QueryTerm, postings: TermPostings, params: BoundParams
    ) -> tuple[np.ndarray, np.ndarray]:
        """(global blocks, bound of the term's contribution in each) of one list: from its block maxima,
        or from its exact contributions when it has none."""
        blocks = getattr(self.parts[postings.part].segment, term.field).blocks
        found = None if blocks is None else blocks.of_term(postings.term_index)
        if found is None:
            local = postings.rows // BLOCK_ROWS
            starts = np.flatnonzero(np.append(True, local[1:] != local[:-1])) if len(local) else local
            values = np.maximum.reduceat(term.contributions(postings), starts) if len(local) else local
            return self.block_base[postings.part] + local[starts], values.astype(np.float64)
        block, tf_max, ratio_min = found
        bounds = float(term.scale) / (
            1.0 + params.a / tf_max.astype(np.float64) + params.c[term.field] * ratio_min
        )
        return self.block_base[postings.part] + block, bounds

    def _add(self, term: QueryTerm, postings: TermPostings) -> None:
        """Add one list's contributions to the partial scores; raise its blocks' best partial score."""
        if not len(postings.rows):
            return
        rows = int(self.offsets[postings.part]) + postings.rows.astype(np.int64)
        self.partial[rows] += term.contributions(postings)
        values = self.partial[rows]
        if self.mask is not None:
            values = np.where(self.mask[rows], values, np.float32(0))
        blocks = self.block_base[postings.part] + postings.rows // BLOCK_ROWS  # ascending: rows are
        starts = np.flatnonzero(np.append(True, blocks[1:] != blocks[:-1]))
        touched = blocks[starts]
        self.best[touched] = np.maximum(self.best[touched], np.maximum.reduceat(values, starts))
        self.added.append((rows, blocks))

    def _threshold(self, k: int) -> float:
        """A lower bound of the k-th best full score: the k-th best of the blocks' best partial scores
        (each is one row's partial score, and no row's full score is below its partial one)."""
        if k > len(self.best):
            return 0.0
        return float(np.partition(self.best, len(self.best) - k)[len(self.best) - k]) * (1 - SLACK)

    def _block_rows(self, blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(first global row, row count) of each global block."""
        part = np.searchsorted(self.block_base, blocks, side="right") - 1
        first = (blocks - self.block_base[part]) * BLOCK_ROWS
        return self.offsets[part] + first, np.minimum(first + BLOCK_ROWS, self.sizes[part]) - first

    def _seen(self, threshold: float) -> np.ndarray:
        """Global rows some added list holds whose partial score plus their block's pending bound reaches
        `threshold` (a row may repeat). A row that cannot is forgotten: the threshold only rises, and that
        sum only falls, unless a list that holds the row is added (and brings it back)."""
        if not self.added:
            return np.zeros(0, dtype=np.int64)
        rows, blocks = (np.concatenate(a) for a in zip(*self.added))
        keep = self.partial[rows] + self.pending[blocks] >= threshold
        self.added = [(rows[keep], blocks[keep])]
        return self.added[0][0]

    def _candidates(self, threshold: float) -> np.ndarray:
        """Global rows (ascending) that may score `threshold` or more, inside the mask."""
        # rows no added list holds, in blocks whose pending lists could lift them that high
        unseen = np.flatnonzero((self.pending >= threshold) & (self.pending > 0))
        seen = self._seen(threshold)
        first, counts = self._block_rows(unseen)
        rows = np.union1d(
            np.repeat(first - np.cumsum(counts) + counts, counts) + np.arange(counts.sum()), seen
        )
        return rows if self.mask is None else rows[self.mask[rows]]

    def run(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        for term in self.long:
            threshold = self._threshold(k)
            unseen = np.flatnonzero((self.pending >= threshold) & (self.pending > 0))
            budget = term.size / (self.lookups * RESCORE_COST)  # candidates worth scoring one by one
            if len(unseen) * BLOCK_ROWS <= budget and len(self._seen(threshold)) <= budget:
                break
            for item in term.lists:
                self._add(term.term, item.postings)
                self.pending -= np.bincount(item.blocks, item.bounds, minlength=len(self.pending))
            np.maximum(self.pending, 0.0, out=self.pending)
        candidates = self._candidates(self._threshold(k))
        scores = self._rescore(candidates)
        keep = scores > 0
        candidates, scores = candidates[keep], scores[keep]
        order = np.lexsort((candidates, -scores))[:k]
        return candidates[order], scores[order]

    def _rescore(self, rows: np.ndarray) -> np.ndarray:
        """Full scores of these global rows (ascending): the query's terms in order, then its compound
        words' parts where the whole word is missing, with the operations of `Snapshot.scores`."""
        scores = self._sum(rows, self.query)
        if self.fallbacks:
            extra = np.zeros(len(rows), dtype=np.float32)
            for fallback in self.fallbacks:
                parts = self._sum(rows, fallback.parts) / fallback.divisor
                held = self._sum(rows, [fallback.whole]) > 0 if fallback.whole else np.zeros(len(rows), bool)
                extra += np.where(held, np.float32(0.0), parts)
            scores += extra
        return scores

    def _sum(self, rows: np.ndarray, terms: list[QueryTerm]) -> np.ndarray:
        """The BM25 sum of `terms` at these global rows (ascending), term by term in order."""
        scores = np.zeros(len(rows), dtype=np.float32)
        bounds = np.searchsorted(rows, np.append(self.offsets, self.offsets[-1] + self.sizes[-1]))
        for term in terms:
            for postings in term.postings:
                lo, hi = bounds[postings.part], bounds[postings.part + 1]
                if lo == hi or not len(postings.rows):
                    continue
                local = (rows[lo:hi] - int(self.offsets[postings.part])).astype(postings.rows.dtype)
                at = np.minimum(np.searchsorted(postings.rows, local), len(postings.rows) - 1)
                hit = postings.rows[at] == local
                if hit.any():
                    scores[lo:hi][hit] += term.contributions(postings, at[hit])
        return scores
