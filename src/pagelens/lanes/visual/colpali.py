"""ColPali-family lanes (ColQwen2/2.5, ColIdefics3/ColSmol, ColPali) through colpali-engine.

A page is a matrix of token vectors. Chroma cannot hold those, so the lane keeps
- one MUVERA fixed-dimensional encoding per page in Chroma, for candidate search (`muvera.py`);
- each page's token vectors in a sidecar store under the lane folder (`<doc_id>/<page>.npy`, memory-mapped
  on read), for the MaxSim rerank of the candidates; stored through a `TokenCodec` (`token_codes.py`:
  hierarchical pooling and int8 codes, settings `colpali_pool_factor` and `colpali_token_dtype`).
Queries: text -> query tokens; image -> the image's tokens; image + text -> both token sets together
(MaxSim sums over every query token, so each side contributes its own matches).
Lane names: "colpali" (settings.colpali_model) or "colpali:<checkpoint id or folder>".
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from ...errors import QueryError, SettingsError
from ...index.chroma import delete_documents
from ...index.lane import Lane, LaneContext, LaneHit, Query
from .base import (
    MultiVectorEncoder,
    cap_pixels,
    collection_name,
    page_image_batches,
    upsert_page_vectors,
)
from .loading import ModelUnavailableError, load_pretrained, model_kwargs, resolve_device
from .muvera import FdeConfig, Muvera, maxsim
from .token_codes import TokenCodec

if TYPE_CHECKING:
    from ...types import Page

# config model_type -> (model class, processor class) in colpali_engine.models
FAMILIES = {
    "qwen2_vl": ("ColQwen2", "ColQwen2Processor"),
    "qwen2_5_vl": ("ColQwen2_5", "ColQwen2_5_Processor"),
    "idefics3": ("ColIdefics3", "ColIdefics3Processor"),
    "paligemma": ("ColPali", "ColPaliProcessor"),
}


def model_type(model_id: str) -> str:
    """The transformers model_type of a checkpoint; a PEFT adapter (e.g. vidore/colqwen2-v1.0, which has no
    config.json) is followed to its base model."""
    from transformers import AutoConfig

    try:
        return load_pretrained(AutoConfig.from_pretrained, model_id, setting="colpali_model").model_type
    except ModelUnavailableError as no_config:
        from peft import PeftConfig

        try:
            adapter = load_pretrained(PeftConfig.from_pretrained, model_id, setting="colpali_model")
        except ModelUnavailableError:
            raise no_config from None
        return model_type(adapter.base_model_name_or_path)


class ColPaliEncoder(MultiVectorEncoder):
    def __init__(self, model_id: str, *, max_pixels: int, device: str = "auto", batch_size: int = 4):
        import colpali_engine.models as engine

        self.model_id, self.max_pixels, self.batch_size = model_id, max_pixels, batch_size
        self.device = resolve_device(device)
        kind = model_type(model_id)
        if kind not in FAMILIES:
            raise SettingsError(
                f"{model_id!r} is a {kind!r} checkpoint; the colpali lane supports "
                f"{', '.join(sorted(FAMILIES))} (ColQwen2, ColQwen2.5, ColSmol/ColIdefics3, ColPali)"
            )
        model_cls, processor_cls = (getattr(engine, name) for name in FAMILIES[kind])
        self.processor = load_pretrained(processor_cls.from_pretrained, model_id, setting="colpali_model")
        self.model = (
            load_pretrained(
                model_cls.from_pretrained, model_id, setting="colpali_model", **model_kwargs(self.device)
            )
            .to(self.device)
            .eval()
        )
        self.dim = int(self.model.dim)

    def spec(self) -> dict:
        return {"model": self.model_id, "dim": self.dim, "max_pixels": self.max_pixels}

    def _run(self, batch) -> list[np.ndarray]:
        import torch

        batch = batch.to(self.device)
        with torch.inference_mode():
            tokens = self.model(**batch).float().cpu().numpy()
        mask = batch["attention_mask"].bool().cpu().numpy()
        return [row[keep] for row, keep in zip(tokens, mask)]  # drop padding rows

    def _image_batch(self, images: Sequence[Image.Image]) -> list[np.ndarray]:
        return self._run(self.processor.process_images([cap_pixels(i, self.max_pixels) for i in images]))

    def _query_batch(self, texts: Sequence[str]) -> list[np.ndarray]:
        return self._run(self.processor.process_queries(list(texts)))


class TokenStore:
    """Page token matrices on disk: `<folder>/<doc_id>/<page>.npy` in the codec's stored form, read
    memory-mapped and decoded to float32."""

    def __init__(self, folder: Path, codec: TokenCodec = TokenCodec()) -> None:
        self.folder, self.codec = folder, codec
        folder.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        doc_id, _, page = key.rpartition(":")
        return self.folder / doc_id / f"{page}.npy"

    def save(self, key: str, tokens: np.ndarray) -> None:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial.npy")
        np.save(partial, self.codec.encode(tokens))
        os.replace(partial, path)  # a crash never leaves a half-written matrix under the real name

    def load(self, key: str) -> np.ndarray:
        return self.codec.decode(np.load(self.path(key), mmap_mode="r"))

    def delete(self, doc_id: str) -> None:
        shutil.rmtree(self.folder / doc_id, ignore_errors=True)


class MultiVectorLane(Lane):
    background = True  # encoded behind the add (index/background.py): minutes a page on a CPU

    def __init__(self, name: str, encoder: MultiVectorEncoder, ctx: LaneContext) -> None:
        s = ctx.settings
        self.name, self.encoder, self.settings = name, encoder, s
        self.codec = TokenCodec(s.colpali_pool_factor, s.colpali_token_dtype)
        self.muvera = Muvera(
            FdeConfig(dim=encoder.dim, k_sim=s.muvera_k_sim, d_proj=s.muvera_d_proj, reps=s.muvera_reps)
        )
        self.collection = ctx.chroma.collection(collection_name(name, self.spec()))
        self.max_batch = ctx.chroma.max_batch
        self.store = TokenStore(ctx.folder / "tokens", self.codec)

    def spec(self) -> dict:
        spec = {"lane": self.name, **self.encoder.spec(), "muvera": self.muvera.config.as_dict()}
        if self.codec != TokenCodec():  # libraries indexed before the codec keep their spec
            spec["tokens"] = self.codec.as_dict()
        return spec

    def index(self, pages: Sequence["Page"]) -> None:
        for chunk, images in page_image_batches(pages, self.settings.max_pixels, self.max_batch):
            token_sets = self.encoder.embed_images(images)
            for page, tokens in zip(chunk, token_sets):
                self.store.save(page.key, tokens)
            upsert_page_vectors(self.collection, chunk, self.muvera.encode_documents(token_sets))

    def delete(self, doc_ids: Sequence[str]) -> None:
        delete_documents(self.collection, doc_ids)
        for doc_id in doc_ids:
            self.store.delete(doc_id)

    def query_tokens(self, query: Query) -> np.ndarray:
        parts = []
        if query.text:
            parts.append(self.encoder.embed_queries([query.text])[0])
        if query.image is not None:
            parts.append(self.encoder.embed_images([query.image])[0])
        if not parts:
            raise QueryError("a query needs text, an image, or both")
        return np.concatenate(parts)

    def search(self, query: Query, k: int) -> list[LaneHit]:
        count = self.collection.count()
        if count == 0 or k <= 0:
            return []
        tokens = self.query_tokens(query)
        fde = self.muvera.encode_queries([tokens])[0]
        n = min(max(k, self.settings.colpali_candidates), count)
        candidates = self.collection.query(
            query_embeddings=[fde.tolist()], n_results=n, where=query.chroma_where(), include=[]
        )["ids"][0]
        scored = sorted(((maxsim(tokens, self.store.load(key)), key) for key in candidates), reverse=True)
        return [LaneHit(key=key, score=score) for score, key in scored[:k]]


def create_lane(name: str, ctx: LaneContext) -> MultiVectorLane:
    s = ctx.settings
    encoder = ColPaliEncoder(
        name.partition(":")[2] or s.colpali_model,
        max_pixels=s.max_pixels,
        device=s.device,
        batch_size=s.batch_size,
    )
    return MultiVectorLane(name, encoder, ctx)
