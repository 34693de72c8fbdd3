"""Prompt Directional Vectors: training-free composed queries (reference image + modification text).

With T = text tower, I = image tower, every vector L2-normalised:
    delta          = T(composed text) - T(base text)
    composed text  = T(base text) + a_T * delta
    composed image = I(reference)   + a_I * delta
    query          = normalise((1 - b) * composed image + b * composed text)
The base text describes the reference (a user-given caption, or the page/region text); the composed text is
the base text with the modification appended. With no caption the base text is empty, so delta is the
direction from "nothing in particular" to the modification.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ...config import Settings


@dataclass(frozen=True)
class PdvWeights:
    """PDV composition weights; `Settings.pdv_*` own the defaults (`from_settings`)."""

    alpha_text: float
    alpha_image: float
    beta: float

    @classmethod
    def from_settings(cls, settings: "Settings") -> "PdvWeights":
        return cls(settings.pdv_alpha_text, settings.pdv_alpha_image, settings.pdv_beta)


def normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def composed_texts(modification: str, caption: str | None) -> tuple[str, str]:
    """(base text, composed text) for a modification of a reference described by `caption`."""
    base = (caption or "").strip()
    return base, f"{base} {modification.strip()}".strip()


def compose(
    image: np.ndarray, base_text: np.ndarray, composed_text: np.ndarray, weights: PdvWeights
) -> np.ndarray:
    """The PDV query vector from the three tower outputs (each normalised here first)."""
    image, base_text, composed_text = (normalise(v) for v in (image, base_text, composed_text))
    delta = composed_text - base_text
    text_side = base_text + weights.alpha_text * delta
    image_side = image + weights.alpha_image * delta
    return normalise((1.0 - weights.beta) * image_side + weights.beta * text_side)
