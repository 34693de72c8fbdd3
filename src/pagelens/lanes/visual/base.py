"""One encoder interface for every visual lane, and the single-vector lane shared by DSE and CLIP.

Encoders embed page screenshots and queries:
- `SingleVectorEncoder`: one L2-normalised float32 vector per item, shape (n, dim);
- `MultiVectorEncoder`: one float32 token matrix (tokens, dim) per item (ColPali family).
Subclasses implement the per-batch methods; the base classes batch (with a progress bar on a terminal).
Page images are opened one chunk at a time and downscaled under `max_pixels`, so no corpus-sized list of
images or tensors is ever held.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, TypeVar

import numpy as np
from PIL import Image
from tqdm import tqdm

from ...errors import QueryError
from ...index.chroma import delete_documents
from ...index.lane import Lane, LaneContext, LaneHit, Query
from .pdv import PdvWeights, compose, composed_texts, normalise

if TYPE_CHECKING:
    from ...types import Page

T = TypeVar("T")
R = TypeVar("R")

PAGES_PER_CHUNK = 64  # pages opened and embedded together before their vectors are written


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), max(1, size)):
        yield items[start : start + size]


def run_batched(
    items: Sequence[T], batch_fn: Callable[[Sequence[T]], list[R]], batch_size: int, desc: str
) -> list[R]:
    """Apply `batch_fn` to consecutive batches; a progress bar shows on a terminal for more than one batch."""
    quiet = not sys.stderr.isatty() or len(items) <= batch_size
    results: list[R] = []
    with tqdm(total=len(items), desc=desc, unit="item", disable=quiet, leave=False) as bar:
        for batch in chunks(items, batch_size):
            results.extend(batch_fn(batch))
            bar.update(len(batch))
    return results


def cap_pixels(image: Image.Image, max_pixels: int) -> Image.Image:
    """RGB copy of `image` downscaled (aspect kept) so that width * height <= max_pixels."""
    image = image.convert("RGB")
    pixels = image.width * image.height
    if max_pixels > 0 and pixels > max_pixels:
        scale = (max_pixels / pixels) ** 0.5
        size = (max(1, int(image.width * scale)), max(1, int(image.height * scale)))
        image = image.resize(size, Image.Resampling.BICUBIC)
    return image


def open_page_image(path: str, max_pixels: int) -> Image.Image:
    with Image.open(path) as image:
        return cap_pixels(image, max_pixels)


def page_image_batches(
    pages: Sequence["Page"], max_pixels: int, max_batch: int
) -> Iterator[tuple[Sequence["Page"], list[Image.Image]]]:
    """Pages in batches with their screenshots opened under the pixel cap (never the corpus in memory)."""
    for chunk in chunks(pages, min(PAGES_PER_CHUNK, max_batch)):
        yield chunk, [open_page_image(page.image_path, max_pixels) for page in chunk]


def upsert_page_vectors(collection, pages: Sequence["Page"], vectors: np.ndarray) -> None:
    """One vector per page into a lane's Chroma collection, id = page key (so re-indexing overwrites)."""
    collection.upsert(
        ids=[page.key for page in pages],
        embeddings=vectors.tolist(),
        metadatas=[{"doc_id": page.doc_id, "page": page.page} for page in pages],
    )


class SingleVectorEncoder(ABC):
    """Embeds images and texts into one shared space; outputs are L2-normalised float32 rows."""

    batch_size: int = 4

    @abstractmethod
    def spec(self) -> dict:
        """Model ids and options that determine the vectors (a change means re-embedding)."""

    @abstractmethod
    def _image_batch(self, images: Sequence[Image.Image]) -> np.ndarray:
        """Raw vectors for one batch of page images."""

    @abstractmethod
    def _query_batch(self, texts: Sequence[str]) -> np.ndarray:
        """Raw vectors for one batch of query texts."""

    def embed_images(self, images: Sequence[Image.Image]) -> np.ndarray:
        rows = run_batched(images, lambda b: list(self._image_batch(b)), self.batch_size, "embedding pages")
        return normalise(np.stack(rows))

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        rows = run_batched(texts, lambda b: list(self._query_batch(b)), self.batch_size, "embedding queries")
        return normalise(np.stack(rows))


class MultiVectorEncoder(ABC):
    """Embeds images and texts into token matrices (one (tokens, dim) float32 array per item)."""

    batch_size: int = 4
    dim: int

    @abstractmethod
    def spec(self) -> dict:
        """Model ids and options that determine the vectors."""

    @abstractmethod
    def _image_batch(self, images: Sequence[Image.Image]) -> list[np.ndarray]:
        """Token matrices for one batch of page images (padding rows removed)."""

    @abstractmethod
    def _query_batch(self, texts: Sequence[str]) -> list[np.ndarray]:
        """Token matrices for one batch of query texts (padding rows removed)."""

    def embed_images(self, images: Sequence[Image.Image]) -> list[np.ndarray]:
        return run_batched(images, self._image_batch, self.batch_size, "embedding pages")

    def embed_queries(self, texts: Sequence[str]) -> list[np.ndarray]:
        return run_batched(texts, self._query_batch, self.batch_size, "embedding queries")


def collection_name(lane_name: str, spec: dict) -> str:
    """`lane-<lane name>-<hash of spec>`: a model change gets a fresh collection, never mixed vectors."""
    digest = hashlib.sha1(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:12]
    return f"lane-{re.sub(r'[^A-Za-z0-9._-]+', '_', lane_name)[:60]}-{digest}"


class SingleVectorLane(Lane):
    """A lane made of a single-vector encoder and one cosine Chroma collection (DSE, CLIP).

    Queries: text -> text tower; image -> image tower; image + text -> a PDV composed vector.
    """

    background = True  # encoded behind the add (index/background.py): seconds a page on a CPU

    def __init__(self, name: str, encoder: SingleVectorEncoder, ctx: LaneContext) -> None:
        self.name = name
        self.encoder = encoder
        self.settings = ctx.settings
        self.collection = ctx.chroma.collection(collection_name(name, self.spec()))
        self.max_batch = ctx.chroma.max_batch

    def spec(self) -> dict:
        return {"lane": self.name, **self.encoder.spec()}

    def index(self, pages: Sequence["Page"]) -> None:
        for chunk, images in page_image_batches(pages, self.settings.max_pixels, self.max_batch):
            upsert_page_vectors(self.collection, chunk, self.encoder.embed_images(images))

    def delete(self, doc_ids: Sequence[str]) -> None:
        delete_documents(self.collection, doc_ids)

    def query_vector(self, query: Query) -> np.ndarray:
        if query.image is None:
            if not query.text:
                raise QueryError("a query needs text, an image, or both")
            return self.encoder.embed_queries([query.text])[0]
        image = self.encoder.embed_images([cap_pixels(query.image, self.settings.max_pixels)])[0]
        if not query.text:
            return image
        base, composed = composed_texts(query.text, query.caption)
        base_vec, composed_vec = self.encoder.embed_queries([base, composed])
        weights = PdvWeights.from_settings(self.settings)
        return compose(image, base_vec, composed_vec, weights)

    def search(self, query: Query, k: int) -> list[LaneHit]:
        count = self.collection.count()
        if count == 0 or k <= 0:
            return []
        result = self.collection.query(
            query_embeddings=[self.query_vector(query).tolist()],
            n_results=min(k, count),
            where=query.chroma_where(),
            include=["distances"],
        )
        return [
            LaneHit(key=key, score=1.0 - float(distance))
            for key, distance in zip(result["ids"][0], result["distances"][0])
        ]
