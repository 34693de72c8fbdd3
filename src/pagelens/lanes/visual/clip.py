"""CLIP-style lanes through open_clip: any `<model>/<pretrained>` pair (CLIP, SigLIP, ...).

The image tower embeds page screenshots, the text tower embeds queries. Lane names:
"clip" (settings.clip_model), "clip:ViT-B-32/laion2b_s34b_b79k", "clip:ViT-B-32//path/to/weights.pt"
(pretrained may be a local checkpoint file), "clip:hf-hub:timm/ViT-B-16-SigLIP" (model and weights from
one hub repo).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image

from ...index.lane import LaneContext
from .base import SingleVectorEncoder, SingleVectorLane
from .loading import hub_offline_during, resolve_device, unavailable_as_clear_error


def parse_model(option: str) -> tuple[str, str | None]:
    """ "<model>/<pretrained>" -> (model, pretrained); "hf-hub:org/repo" -> (it, None)."""
    if option.startswith("hf-hub:"):
        return option, None
    model, _, pretrained = option.partition("/")
    return model, pretrained or None


class ClipEncoder(SingleVectorEncoder):
    def __init__(self, model: str, pretrained: str | None, *, device: str = "auto", batch_size: int = 4):
        import open_clip

        self.model_name, self.pretrained, self.batch_size = model, pretrained, batch_size
        self.device = resolve_device(device)
        label = f"{model}/{pretrained}" if pretrained else model
        hub_id = (
            open_clip.get_pretrained_cfg(model, pretrained).get("hf_hub", "").rstrip("/")
            if pretrained
            else ""
        )
        with (
            unavailable_as_clear_error(label, "clip_model", hub_id or model.removeprefix("hf-hub:")),
            hub_offline_during(pretrained or model),
        ):
            self.model, _, self.preprocess = open_clip.create_model_and_transforms(
                model, pretrained=pretrained, device=self.device
            )
            self.tokenizer = open_clip.get_tokenizer(model)
        self.model.eval()

    def spec(self) -> dict:
        return {"model": self.model_name, "pretrained": self.pretrained}

    def _image_batch(self, images: Sequence[Image.Image]) -> np.ndarray:
        import torch

        pixels = torch.stack([self.preprocess(image) for image in images]).to(self.device)
        with torch.inference_mode():
            return self.model.encode_image(pixels).float().cpu().numpy()

    def _query_batch(self, texts: Sequence[str]) -> np.ndarray:
        import torch

        tokens = self.tokenizer(list(texts)).to(self.device)
        with torch.inference_mode():
            return self.model.encode_text(tokens).float().cpu().numpy()


def create_lane(name: str, ctx: LaneContext) -> SingleVectorLane:
    model, pretrained = parse_model(name.partition(":")[2] or ctx.settings.clip_model)
    encoder = ClipEncoder(model, pretrained, device=ctx.settings.device, batch_size=ctx.settings.batch_size)
    return SingleVectorLane(name, encoder, ctx)
