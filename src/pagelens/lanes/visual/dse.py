"""DSE (Document Screenshot Embedding) lane, as the MrLight/dse-qwen2-2b-mrl-v1 model card prescribes.

- document: the page image + "What is shown in this image?" in the Qwen2-VL chat template (generation
  prompt added), then "<|endoftext|>" appended;
- query: "Query: {q}" with the card's dummy image (a black 28x28 picture resized to 1x1, i.e. the smallest
  image Qwen2-VL takes), same template and suffix;
- left padding; the embedding is the last token of the last hidden state, truncated to the first `dim`
  values (Matryoshka) and L2-normalised; similarity is cosine.
The official processor builds the inputs (it also emits `mm_token_type_ids`, which transformers 5 needs
for Qwen2-VL image inputs). Only the base model runs: the card reads `hidden_states[-1]`, which equals the
base model's `last_hidden_state`, so the vocabulary-sized LM head is skipped.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image

from ...index.lane import LaneContext
from .base import SingleVectorEncoder, SingleVectorLane
from .loading import load_pretrained, model_kwargs, resolve_device

DOC_PROMPT = "What is shown in this image?"
QUERY_PREFIX = "Query: "
SUFFIX = "<|endoftext|>"
MIN_PIXELS = 28 * 28


def doc_message(image: Image.Image) -> list[dict]:
    """The card's document message; the pixel cap is the processor's (`max_pixels`), as in the card."""
    return [
        {"role": "user", "content": [{"type": "image", "image": image}, {"type": "text", "text": DOC_PROMPT}]}
    ]


def query_message(query: str) -> list[dict]:
    return [
        {
            "role": "user",
            "content": [
                {
                    "type": "image",
                    "image": Image.new("RGB", (28, 28)),
                    "resized_height": 1,
                    "resized_width": 1,
                },
                {"type": "text", "text": f"{QUERY_PREFIX}{query}"},
            ],
        }
    ]


class DseEncoder(SingleVectorEncoder):
    def __init__(
        self, model_id: str, *, dim: int, max_pixels: int, device: str = "auto", batch_size: int = 4
    ):
        from transformers import AutoProcessor, Qwen2VLForConditionalGeneration

        self.model_id, self.dim, self.max_pixels, self.batch_size = model_id, dim, max_pixels, batch_size
        self.device = resolve_device(device)
        self.processor = load_pretrained(
            AutoProcessor.from_pretrained,
            model_id,
            setting="dse_model",
            size={"shortest_edge": MIN_PIXELS, "longest_edge": max_pixels},
        )
        self.processor.tokenizer.padding_side = "left"
        model = load_pretrained(
            Qwen2VLForConditionalGeneration.from_pretrained,
            model_id,
            setting="dse_model",
            **model_kwargs(self.device),
        )
        self.model = model.model.to(self.device).eval()  # base model: last_hidden_state, no LM head
        self.model.padding_side = "left"

    def spec(self) -> dict:
        return {"model": self.model_id, "dim": self.dim, "max_pixels": self.max_pixels, "prompt": DOC_PROMPT}

    def _embed(self, messages: list[list[dict]]) -> np.ndarray:
        import torch
        from qwen_vl_utils import process_vision_info

        texts = [
            self.processor.apply_chat_template(m, tokenize=False, add_generation_prompt=True) + SUFFIX
            for m in messages
        ]
        images, _ = process_vision_info(messages)
        inputs = self.processor(text=texts, images=images, padding="longest", return_tensors="pt").to(
            self.device
        )
        with torch.inference_mode():
            hidden = self.model(**inputs, use_cache=False, return_dict=True).last_hidden_state
        return hidden[:, -1, : self.dim].float().cpu().numpy()

    def _image_batch(self, images: Sequence[Image.Image]) -> np.ndarray:
        return self._embed([doc_message(image) for image in images])

    def _query_batch(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed([query_message(text) for text in texts])


def create_lane(name: str, ctx: LaneContext) -> SingleVectorLane:
    """ "dse" uses settings.dse_model; "dse:<model id or folder>" names the checkpoint."""
    s = ctx.settings
    model_id = name.partition(":")[2] or s.dse_model
    encoder = DseEncoder(
        model_id, dim=s.dse_dim, max_pixels=s.max_pixels, device=s.device, batch_size=s.batch_size
    )
    return SingleVectorLane(name, encoder, ctx)
