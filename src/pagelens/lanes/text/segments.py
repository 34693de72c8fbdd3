"""Immutable BM25 segments: postings of one batch of pages, scored together with global statistics.

A segment holds, for unigrams and for adjacent-term pairs (bigrams), each term's postings (local row,
term frequency) sorted by a stable 64-bit term hash, plus each row's length. Nothing in it depends on the
rest of the library: idf (document frequency over live rows of every segment) and the average length are
computed when a query runs, from the postings the query touches anyway, so adding or deleting pages
never rewrites other segments, and scores equal one bm25s (Lucene variant) index over the live pages
(checked in tests/test_text_lane.py).

Block maxima (`BlockMaxima`): for each term with at least LONG_POSTINGS postings, per block of BLOCK_ROWS
rows, the highest term frequency and the lowest length / term frequency of its postings there. They
bound the term's BM25 contribution in the block for any k1, b and average length (so a change of those, or
a library growing, never makes them stale), which lets a top-k search skip whole blocks (`Snapshot.top`).
Blocks are row ranges, not runs of postings, so the bounds of a query's terms add up block by block in
one vectorised sum. Shorter lists get none: scoring them whole costs less than the blocks would weigh on
disk. Made when a segment is built or merged; a segment written before them loads with none and is
scored exhaustively until a writer opens the index (`LexicalIndex` adds them then).

Terms are hashed (blake2b, 8 bytes) instead of stored: no vocabulary to load or merge, lookups are
`searchsorted` on a memory-mapped array. A collision needs two of the ~10^7 distinct terms of a large
library to share 64 bits (odds ~10^-5 per library); its only effect would be one merged posting list.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

_FIELDS = ("uni", "bi")
_ARRAYS = ("terms", "starts", "rows", "tf")
_BLOCK_ARRAYS = ("terms", "starts", "block", "tf", "ratio")
BLOCK_ROWS = 128  # rows per block of the block maxima
LONG_POSTINGS = 512  # a term with fewer postings in a segment has no block maxima (scored whole)
_MIX = np.uint64(0x9E3779B97F4A7C15)


def term_hash(term: str) -> int:
    return int.from_bytes(hashlib.blake2b(term.encode(), digest_size=8).digest(), "little")


def term_hashes(terms: Sequence[str]) -> np.ndarray:
    return np.fromiter((term_hash(t) for t in terms), dtype=np.uint64, count=len(terms))


def pair_hashes(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Hash of the ordered pair (first, second) of term hashes (a bigram), vectorised."""
    with np.errstate(over="ignore"):
        mixed = first * _MIX + ((second << np.uint64(17)) | (second >> np.uint64(47)))
    return mixed ^ (mixed >> np.uint64(31))


@dataclass(frozen=True)
class BlockMaxima:
    """For each term of a field with at least LONG_POSTINGS postings: per block of BLOCK_ROWS rows holding
    some, the highest term frequency and the lowest length / term frequency. A posting's BM25 part
    tf / (tf + a + c * length) = 1 / (1 + a / tf + c * length / tf) (a = k1 (1 - b), c = k1 b / avgdl) is
    then at most 1 / (1 + a / tf_max + c * ratio_min) in its block, whatever k1, b and avgdl are."""

    terms: np.ndarray  # int64: index into Postings.terms of each term that has blocks, ascending
    starts: np.ndarray  # int64, len(terms) + 1: term `terms[i]`'s blocks are entries starts[i]:starts[i+1]
    block: np.ndarray  # int32: block number (row // BLOCK_ROWS), ascending per term
    tf: np.ndarray  # float32: highest term frequency in the block
    ratio: np.ndarray  # float32: lowest length / term frequency in the block

    @classmethod
    def of(cls, starts: np.ndarray, rows: np.ndarray, tf: np.ndarray, lengths: np.ndarray) -> "BlockMaxima":
        counts = np.diff(starts)
        terms = np.flatnonzero(counts >= LONG_POSTINGS)
        blocks = [np.zeros(0, np.int32), np.zeros(0, np.float32), np.zeros(0, np.float32)]
        entries = np.zeros(len(terms) + 1, dtype=np.int64)
        for part in np.array_split(terms, max(1, int(counts[terms].sum()) // 20_000_000 + 1)):
            if not len(part):
                continue
            # the postings of these terms, one run per term (postings are sorted by row within a term)
            sizes = counts[part]
            index = np.repeat(starts[part] - np.cumsum(sizes) + sizes, sizes) + np.arange(int(sizes.sum()))
            posting_rows, posting_tf = rows[index].astype(np.int64), tf[index]
            key = (
                np.repeat(np.arange(len(part), dtype=np.int64), sizes) * (1 << 32)
                + posting_rows // BLOCK_ROWS
            )
            first = np.flatnonzero(np.append(True, key[1:] != key[:-1]))
            ratio = lengths[posting_rows] / posting_tf
            blocks[0] = np.append(blocks[0], (key[first] & 0xFFFFFFFF).astype(np.int32))
            blocks[1] = np.append(blocks[1], np.maximum.reduceat(posting_tf, first).astype(np.float32))
            blocks[2] = np.append(blocks[2], np.minimum.reduceat(ratio, first).astype(np.float32))
            where = np.searchsorted(terms, part[0])
            entries[where + 1 : where + 1 + len(part)] = np.bincount(key[first] >> 32, minlength=len(part))
        return cls(terms.astype(np.int64), np.cumsum(entries), *blocks)

    def of_term(self, index: int) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """(block numbers, highest tf, lowest length / tf) of the term at `index`; None: it has no blocks."""
        where = int(np.searchsorted(self.terms, index))
        if where == len(self.terms) or self.terms[where] != index:
            return None
        lo, hi = int(self.starts[where]), int(self.starts[where + 1])
        return self.block[lo:hi], self.tf[lo:hi], self.ratio[lo:hi]


@dataclass(frozen=True)
class Postings:
    """One field of a segment: term `terms[i]` occurs in rows `rows[starts[i]:starts[i+1]]` with
    frequencies `tf[...]`; `lengths[row]` is the field length of each row."""

    terms: np.ndarray  # uint64, sorted, unique
    starts: np.ndarray  # int64, len(terms) + 1
    rows: np.ndarray  # int32
    tf: np.ndarray  # float32
    lengths: np.ndarray  # float32 per row
    blocks: BlockMaxima | None = None  # None: a segment written before block maxima existed

    @classmethod
    def with_blocks(
        cls, terms: np.ndarray, starts: np.ndarray, rows: np.ndarray, tf: np.ndarray, lengths: np.ndarray
    ) -> "Postings":
        return cls(terms, starts, rows, tf, lengths, BlockMaxima.of(starts, rows, tf, lengths))

    @classmethod
    def build(
        cls,
        rows: np.ndarray,
        ids: np.ndarray,
        id_hashes: np.ndarray,
        lengths: np.ndarray,
        weights: np.ndarray | None = None,
    ) -> "Postings":
        """From one (row, term id) entry per token; `id_hashes[id]` is each term's hash (unique per id).
        One integer sort does it all: the key is (rank of the term's hash, row), so equal keys are one
        posting whose count is its term frequency (the sum of its tokens' `weights` when given)."""
        n_rows = max(len(lengths), 1)
        by_hash = np.argsort(id_hashes)
        rank = np.empty(len(id_hashes), dtype=np.int64)
        rank[by_hash] = np.arange(len(id_hashes))
        keys, inverse, tf = np.unique(rank[ids] * n_rows + rows, return_inverse=True, return_counts=True)
        if weights is not None:
            tf = np.bincount(inverse.ravel(), weights=weights, minlength=len(keys))
        term_rank, posting_rows = np.divmod(keys, n_rows)
        new_term = np.ones(len(keys), dtype=bool)
        new_term[1:] = term_rank[1:] != term_rank[:-1]
        term_starts = np.flatnonzero(new_term)
        return cls.with_blocks(
            id_hashes[by_hash][term_rank[term_starts]],
            np.append(term_starts, len(keys)).astype(np.int64),
            posting_rows.astype(np.int32),
            tf.astype(np.float32),
            lengths.astype(np.float32),
        )

    def lookup(self, hashes: np.ndarray) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """(term index, rows, tf) of each hash (-1 and empty arrays for a term this segment lacks)."""
        if not len(self.terms):
            return [(-1, self.rows[:0], self.tf[:0])] * len(hashes)
        where = np.minimum(np.searchsorted(self.terms, hashes), len(self.terms) - 1)
        found = self.terms[where] == hashes
        los, his = self.starts[where].tolist(), self.starts[where + 1].tolist()
        return [
            (index, self.rows[lo:hi], self.tf[lo:hi]) if hit else (-1, self.rows[:0], self.tf[:0])
            for index, hit, lo, hi in zip(where.tolist(), found.tolist(), los, his)
        ]

    def entries(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every posting as (term hash, row, tf)."""
        return np.repeat(self.terms, np.diff(self.starts)), self.rows, self.tf


@dataclass(frozen=True)
class Segment:
    keys: np.ndarray  # bytes page key per row
    uni: Postings
    bi: Postings
    _doc_ids: dict = field(default_factory=dict, compare=False, repr=False)  # cache of doc_ids()

    @property
    def size(self) -> int:
        return len(self.keys)

    def doc_ids(self) -> np.ndarray:
        """The document id of each row (the part of its page key before the last ':'); made once."""
        cached = self._doc_ids.get("ids")
        if cached is None:
            cached = self._doc_ids["ids"] = np.char.rpartition(np.asarray(self.keys), b":")[:, 0]
        return cached

    @classmethod
    def build(
        cls,
        keys: Sequence[str],
        documents: Sequence[Sequence[str]],
        weights: Sequence[Sequence[float]] | None = None,
    ) -> "Segment":
        """A segment from each page's analysed terms, in order; `weights`: each token's weight (default 1),
        what it adds to its term's frequency and to the page's length."""
        lengths = np.fromiter((len(d) for d in documents), dtype=np.int64, count=len(documents))
        flat = [t for d in documents for t in d]
        vocab = {t: i for i, t in enumerate(dict.fromkeys(flat))}
        ids = np.fromiter(map(vocab.__getitem__, flat), dtype=np.int64, count=len(flat))
        flat_weights = (
            None
            if weights is None
            else np.fromiter((w for d in weights for w in d), dtype=np.float64, count=len(flat))
        )
        return cls.from_term_ids(keys, ids, lengths, term_hashes(list(vocab)), flat_weights)

    @classmethod
    def from_term_ids(
        cls,
        keys: Sequence[str],
        ids: np.ndarray,
        lengths: np.ndarray,
        vocab_hashes: np.ndarray,
        weights: np.ndarray | None = None,
    ) -> "Segment":
        """Token `i` of the concatenated pages is term `ids[i]`, whose hash is `vocab_hashes[ids[i]]` and
        whose weight is `weights[i]` (default 1); a term pair weighs as its lighter token."""
        rows = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
        follows = np.ones(len(ids), dtype=bool)  # token i has a successor on the same page
        follows[(np.cumsum(lengths) - 1)[lengths > 0]] = False
        starts = np.flatnonzero(follows)
        pairs, pair_ids = np.unique(ids[starts] * len(vocab_hashes) + ids[starts + 1], return_inverse=True)
        first, second = np.divmod(pairs, len(vocab_hashes))
        uni_lengths, pair_lengths, pair_weights = lengths, np.maximum(lengths - 1, 0), None
        if weights is not None:
            pair_weights = np.minimum(weights[starts], weights[starts + 1])
            uni_lengths = np.bincount(rows, weights=weights, minlength=len(lengths))
            pair_lengths = np.bincount(rows[starts], weights=pair_weights, minlength=len(lengths))
        return cls(
            np.array(keys, dtype=np.bytes_) if len(keys) else np.zeros(0, "S1"),
            Postings.build(rows, ids, vocab_hashes, uni_lengths, weights),
            Postings.build(
                rows[starts],
                pair_ids.ravel(),
                pair_hashes(vocab_hashes[first], vocab_hashes[second]),
                pair_lengths,
                pair_weights,
            ),
        )

    @classmethod
    def merge(cls, parts: Sequence[tuple["Segment", np.ndarray]]) -> "Segment":
        """One segment from the given rows (ascending local row numbers) of each segment, in order."""
        keys, fields = [], {name: ([], [], [], []) for name in _FIELDS}
        offset = 0
        for segment, kept in parts:
            renumber = np.full(segment.size, -1, dtype=np.int64)
            renumber[kept] = np.arange(len(kept)) + offset
            keys.append(segment.keys[kept])
            for name in _FIELDS:
                postings: Postings = getattr(segment, name)
                hashes, rows, tf = postings.entries()
                new_rows = renumber[rows]
                alive = new_rows >= 0
                acc = fields[name]
                acc[0].append(hashes[alive])
                acc[1].append(new_rows[alive])
                acc[2].append(tf[alive])
                acc[3].append(postings.lengths[kept])
            offset += len(kept)
        merged = {}
        for name, (hashes, rows, tf, lengths) in fields.items():
            hashes, rows, tf = np.concatenate(hashes), np.concatenate(rows), np.concatenate(tf)
            order = np.lexsort((rows, hashes))
            hashes, rows, tf = hashes[order], rows[order], tf[order]
            new_term = np.ones(len(hashes), dtype=bool)
            new_term[1:] = hashes[1:] != hashes[:-1]
            term_starts = np.flatnonzero(new_term)
            merged[name] = Postings.with_blocks(
                hashes[term_starts],
                np.append(term_starts, len(hashes)).astype(np.int64),
                rows.astype(np.int32),
                tf,
                np.concatenate(lengths),
            )
        return cls(np.concatenate(keys), merged["uni"], merged["bi"])

    # -- files --------------------------------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        """Write to `folder` atomically: arrays into `<folder>.tmp`, fsynced, then one rename."""
        tmp = folder.with_name(folder.name + ".tmp")
        tmp.mkdir(parents=True, exist_ok=True)
        arrays = {"keys": self.keys}
        for name in _FIELDS:
            postings = getattr(self, name)
            arrays.update({f"{name}_{a}": getattr(postings, a) for a in (*_ARRAYS, "lengths")})
            if postings.blocks is not None:
                arrays.update({f"{name}_block_{a}": getattr(postings.blocks, a) for a in _BLOCK_ARRAYS})
        for label, array in arrays.items():
            with open(tmp / f"{label}.npy", "wb") as out:
                np.save(out, array)
                out.flush()
                os.fsync(out.fileno())
        os.replace(tmp, folder)
        _fsync_dir(folder.parent)

    @classmethod
    def load(cls, folder: Path) -> "Segment":
        """Memory-mapped: opening costs nothing per posting, and the OS shares pages between processes.
        Held as plain ndarray views of the maps: every slice of an `np.memmap` is another memmap object,
        whose bookkeeping cost ~4 ms per search at 100k pages (cProfile)."""

        def array(label: str) -> np.ndarray:
            return np.load(folder / f"{label}.npy", mmap_mode="r").view(np.ndarray)

        def blocks(name: str) -> BlockMaxima | None:
            if not (folder / f"{name}_block_terms.npy").exists():
                return None
            return BlockMaxima(*(array(f"{name}_block_{a}") for a in _BLOCK_ARRAYS))

        fields = {
            name: Postings(*(array(f"{name}_{a}") for a in (*_ARRAYS, "lengths")), blocks(name))
            for name in _FIELDS
        }
        return cls(array("keys"), fields["uni"], fields["bi"])

    @staticmethod
    def add_block_maxima(folder: Path) -> bool:
        """Write block maxima into a segment folder saved before they existed (each file written aside,
        fsynced and renamed; readers that loaded it without them keep scoring it whole). True if it did."""
        segment = Segment.load(folder)
        added = False
        for name in _FIELDS:
            postings: Postings = getattr(segment, name)
            if postings.blocks is not None:
                continue
            blocks = BlockMaxima.of(postings.starts, postings.rows, postings.tf, postings.lengths)
            for a in (
                *_BLOCK_ARRAYS[1:],
                "terms",
            ):  # `terms` last: its presence means the field's blocks are complete
                label = f"{name}_block_{a}"
                tmp = folder / f"{label}.npy.tmp"
                with open(tmp, "wb") as out:
                    np.save(out, getattr(blocks, a))
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(tmp, folder / f"{label}.npy")
            added = True
        if added:
            _fsync_dir(folder)
        return added


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
