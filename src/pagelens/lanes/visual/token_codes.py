"""Smaller page token matrices for the ColPali-family lanes: hierarchical token pooling and int8 codes.

A ColPali-size page carries ~1,030 token vectors of 128 dims; stored as float16 that is ~264 KB a page
(264 GB for a million pages). Two reductions, applied when a page is stored, after its MUVERA encoding is
computed from the full token set (so the candidate search is unchanged):
- **Pooling** (`pool_factor` f): the page's tokens are clustered hierarchically (Ward linkage on the unit
  vectors, as colpali-engine's `HierarchicalTokenPooler` does) into ceil(n / f) clusters, and each
  cluster is replaced by its mean, re-normalised. Neighbouring patches of blank margin or of one text
  line are near-duplicates, so MaxSim loses little: the query token's best match survives as its cluster.
- **int8 codes** (`dtype="int8"`): each vector is scaled so its largest component is 127 and rounded; the
  scale travels as one float16 per vector (dim + 2 bytes a vector instead of 2 * dim).
MaxSim is computed on the decoded float32 vectors. `bench/bench_token_codes.py` measures recall@10 against
exact MaxSim over the full float32 tokens and the bytes a page takes, for each pool factor and dtype.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ...config import TokenDtype


@dataclass(frozen=True)
class TokenCodec:
    pool_factor: int = 1  # 1: every token kept
    dtype: TokenDtype = "float16"

    def __post_init__(self) -> None:
        if self.pool_factor < 1:
            raise ValueError(f"pool_factor must be at least 1, not {self.pool_factor}")
        if self.dtype not in ("float16", "int8"):
            raise ValueError(f"dtype must be float16 or int8, not {self.dtype!r}")

    def as_dict(self) -> dict:
        return {"pool_factor": self.pool_factor, "dtype": self.dtype}

    def encode(self, tokens: np.ndarray) -> np.ndarray:
        """The stored form of one page's (n, dim) tokens: float16 rows, or int8 rows with their scale
        appended as two bytes (a float16 viewed as int8), so one array file holds a page."""
        pooled = pool_tokens(np.asarray(tokens, np.float32), self.pool_factor)
        if self.dtype == "float16":
            return pooled.astype(np.float16)
        scale = np.abs(pooled).max(axis=1, keepdims=True) / 127.0
        scale[scale == 0] = 1.0
        codes = np.rint(pooled / scale).astype(np.int8)
        return np.concatenate([codes, scale.astype(np.float16).view(np.int8)], axis=1)

    def decode(self, stored: np.ndarray) -> np.ndarray:
        """float32 (n, dim) vectors back from `encode`'s output."""
        if self.dtype == "float16":
            return np.asarray(stored, np.float32)
        stored = np.ascontiguousarray(stored)
        scale = stored[:, -2:].view(np.float16).astype(np.float32)
        return stored[:, :-2].astype(np.float32) * scale


def pool_tokens(tokens: np.ndarray, factor: int) -> np.ndarray:
    """Ward-linkage clusters of the (n, dim) tokens cut at ceil(n / factor), each replaced by its
    re-normalised mean; `factor` 1 (or fewer than 3 tokens) returns the tokens as they are."""
    n = len(tokens)
    clusters = math.ceil(n / factor)
    if factor <= 1 or n < 3 or clusters >= n:
        return tokens
    from scipy.cluster.hierarchy import fcluster, linkage

    labels = fcluster(linkage(tokens, method="ward"), t=clusters, criterion="maxclust") - 1
    sums = np.zeros((labels.max() + 1, tokens.shape[1]), np.float32)
    np.add.at(sums, labels, tokens)
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return sums / norms
