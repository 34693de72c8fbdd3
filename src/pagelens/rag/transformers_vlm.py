"""A local Qwen2-VL / Qwen2.5-VL model (transformers) reading page images, loaded on first use.

`settings.vlm_model` is a hub id or a local folder, loaded through `lanes/visual/loading.py` like the visual
lanes: offline (or with the hub unreachable) only the local cache is used, and missing weights raise a
`BackendError` naming the model and how to fetch it. On CPU the model runs in float32 with eager
attention; on CUDA in bfloat16 with SDPA (`loading.model_kwargs`).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..lanes.visual.cost import GPU_MAX_PIXELS
from ..lanes.visual.loading import ModelUnavailableError, load_pretrained, model_kwargs, resolve_device
from .answerer import SYSTEM_PROMPT, Answerer, BackendError, Conversation, page_block, question_block
from .evidence import EvidencePage

if TYPE_CHECKING:
    from ..config import Settings


MIN_PIXELS = 56 * 56  # Qwen2-VL image processor default


class TransformersVLMBackend(Answerer):
    name = "transformers"

    def __init__(self, settings: "Settings") -> None:
        self.model_id = settings.vlm_model
        self.device_setting = settings.device
        self.max_pixels = settings.max_pixels or GPU_MAX_PIXELS  # 0: a library resolves it; alone, full size
        self.max_new_tokens = settings.llm_max_tokens
        self._loaded: tuple | None = None
        self._lock = threading.Lock()

    def _load(self):
        with self._lock:
            if self._loaded is None:
                self._loaded = self._load_now()
            return self._loaded

    def _load_now(self):
        try:
            from transformers import AutoModelForImageTextToText, AutoProcessor

            device = resolve_device(self.device_setting)
        except ImportError as err:
            raise BackendError(
                f"the transformers backend needs the visual extra ({err}); "
                "install with `uv sync --extra visual`"
            ) from None
        try:
            processor = load_pretrained(
                AutoProcessor.from_pretrained,
                self.model_id,
                setting="vlm_model",
                size={"shortest_edge": MIN_PIXELS, "longest_edge": self.max_pixels},
            )
            model = load_pretrained(
                AutoModelForImageTextToText.from_pretrained,
                self.model_id,
                setting="vlm_model",
                **model_kwargs(device),
            )
        except ModelUnavailableError as err:
            raise BackendError(f"cannot load the VLM: {err}") from None
        return processor, model.to(device).eval(), device

    def answer(self, question: str, pages: Sequence[EvidencePage], conversation: Conversation) -> str:
        import torch
        from PIL import Image

        processor, model, device = self._load()
        content: list[dict] = []
        images = []
        for page in pages:
            content.append({"type": "text", "text": page_block(page)})
            if page.image_path and Path(page.image_path).is_file():
                with Image.open(page.image_path) as image:
                    images.append(image.convert("RGB"))
                content.append({"type": "image"})
        content.append({"type": "text", "text": question_block(question, conversation)})
        earlier = [
            {"role": m["role"], "content": [{"type": "text", "text": m["content"]}]}
            for m in conversation.recent()
        ]
        messages = [
            {"role": "system", "content": [{"type": "text", "text": SYSTEM_PROMPT}]},
            *earlier,
            {"role": "user", "content": content},
        ]
        prompt = processor.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        inputs = processor(text=[prompt], images=images or None, return_tensors="pt").to(device)
        with torch.inference_mode():
            output = model.generate(**inputs, max_new_tokens=self.max_new_tokens, do_sample=False)
        new_tokens = output[:, inputs["input_ids"].shape[1] :]
        return processor.batch_decode(new_tokens, skip_special_tokens=True)[0]
