"""MUVERA fixed-dimensional encodings (FDE): one vector per multi-vector set whose dot product
approximates Chamfer / MaxSim similarity (Dhulipala et al., 2024), so Chroma can find candidates.

For each of `reps` repetitions, SimHash with `k_sim` random hyperplanes splits the space into 2**k_sim
partitions; every token is projected to `d_proj` dimensions with a random +-1 matrix; then
- a query sums its projected tokens per partition,
- a document averages them per partition, and an empty partition takes the projected token whose SimHash
  code is nearest (Hamming) to the partition's code (documents only: queries leave empty partitions 0).
The blocks are concatenated (reps * 2**k_sim * d_proj values), optionally followed by a random +-1
projection to `final_dim`. Documents and queries must use the same `FdeConfig` (same seed).
Exact MaxSim (`maxsim`) reranks the FDE candidates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class FdeConfig:
    """Sizes of a MUVERA encoding; the library builds it from `Settings.muvera_*`, which own the defaults."""

    dim: int  # token vector size
    k_sim: int  # SimHash bits: 2**k_sim partitions per repetition
    d_proj: int  # projected size of each token inside a partition
    reps: int  # repetitions
    final_dim: int | None = None
    seed: int = 7

    @property
    def partitions(self) -> int:
        return 2**self.k_sim

    @property
    def fde_dim(self) -> int:
        return self.final_dim or self.reps * self.partitions * self.d_proj

    def as_dict(self) -> dict:
        return asdict(self)


class Muvera:
    def __init__(self, config: FdeConfig) -> None:
        self.config = c = config
        rng = np.random.default_rng(c.seed)
        self.hyperplanes = rng.standard_normal((c.dim, c.reps * c.k_sim)).astype(np.float32)
        signs = rng.choice(np.array([-1.0, 1.0], dtype=np.float32), size=(c.dim, c.reps * c.d_proj))
        self.projection = signs / np.float32(np.sqrt(c.d_proj))
        self.final = (
            (
                rng.choice(np.array([-1.0, 1.0], dtype=np.float32), size=(self._raw_dim, c.final_dim))
                / np.float32(np.sqrt(c.final_dim))
            )
            if c.final_dim
            else None
        )
        # +-1 codes of the partitions, (k_sim, partitions): bit i of partition p is (p >> i) & 1.
        bits = (np.arange(c.partitions)[None, :] >> np.arange(c.k_sim)[:, None]) & 1
        self.codes = (2.0 * bits - 1.0).astype(np.float32)
        self.weights = (2 ** np.arange(c.k_sim)).astype(np.int64)

    @property
    def _raw_dim(self) -> int:
        c = self.config
        return c.reps * c.partitions * c.d_proj

    def _sketch(self, tokens: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(+-1 sketch bits (n, reps, k), partition ids (n, reps), projected tokens (n, reps, d_proj))."""
        c = self.config
        tokens = np.asarray(tokens, dtype=np.float32)
        n = tokens.shape[0]
        above = (tokens @ self.hyperplanes).reshape(n, c.reps, c.k_sim) > 0
        part = above.astype(np.int64) @ self.weights
        projected = (tokens @ self.projection).reshape(n, c.reps, c.d_proj)
        return np.where(above, np.float32(1), np.float32(-1)), part, projected

    def _encode(self, sets: Sequence[np.ndarray], *, document: bool) -> np.ndarray:
        """FDEs of many token sets at once: one matmul for all tokens, then a segmented sum per block."""
        c = self.config
        lengths = np.array([len(t) for t in sets], dtype=np.int64)
        if (lengths == 0).any():
            raise ValueError("cannot encode an empty token set")
        signs, part, projected = self._sketch(np.concatenate(list(sets)))
        owner = np.repeat(np.arange(len(sets)), lengths)
        block = ((owner[:, None] * c.reps + np.arange(c.reps)[None, :]) * c.partitions + part).ravel()
        size = len(sets) * c.reps * c.partitions
        columns = np.ascontiguousarray(
            projected.reshape(-1, c.d_proj).T
        )  # bincount per column: fastest scatter
        sums = np.stack([np.bincount(block, weights=col, minlength=size) for col in columns], axis=1)
        sums = sums.astype(np.float32)
        sums = sums.reshape(len(sets), c.reps, c.partitions, c.d_proj)
        if document:
            counts = np.bincount(block, minlength=size)
            counts = counts.reshape(len(sets), c.reps, c.partitions)
            sums /= np.maximum(counts, 1)[..., None]
            offsets = np.r_[0, np.cumsum(lengths)]
            for i in np.flatnonzero((counts == 0).any(axis=(1, 2))):
                lo, hi = offsets[i], offsets[i + 1]
                # agreement of each token's sketch with each partition code: max agreement = min Hamming
                nearest = np.argmax(signs[lo:hi] @ self.codes, axis=0)  # (reps, P) token index
                fill = projected[lo:hi][nearest, np.arange(c.reps)[:, None]]  # (reps, P, d_proj)
                sums[i] = np.where((counts[i] == 0)[..., None], fill, sums[i])
        flat = sums.reshape(len(sets), -1)
        return flat @ self.final if self.final is not None else flat

    def encode_documents(self, docs: Sequence[np.ndarray]) -> np.ndarray:
        """(len(docs), fde_dim) float32; batch a few hundred thousand tokens per call."""
        return self._encode(docs, document=True)

    def encode_queries(self, queries: Sequence[np.ndarray]) -> np.ndarray:
        return self._encode(queries, document=False)


def maxsim(query: np.ndarray, doc: np.ndarray) -> float:
    """Late-interaction score: sum over query tokens of the best dot product with any document token."""
    return float((np.asarray(query, np.float32) @ np.asarray(doc, np.float32).T).max(axis=1).sum())
