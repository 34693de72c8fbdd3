"""A local Qwen2-VL / Qwen2.5-VL model (transformers) reading page images, loaded on first use.

`settings.vlm_model` is a hub id or a local folder. Nothing is downloaded implicitly when the hub is
offline: missing weights raise a `BackendError` naming the model and how to fetch it. On CPU the model
runs in float32 with eager attention; on CUDA in bfloat16 with SDPA.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from .backends import SYSTEM_PROMPT, BackendError, page_block, question_block
from .evidence import EvidencePage

if TYPE_CHECKING:
    from ..config import Settings


MIN_PIXELS = 56 * 56  # Qwen2-VL image processor default


class TransformersVLMBackend:
    name = "transformers"

    def __init__(self, settings: "Settings") -> None:
        self.model_id = settings.vlm_model
        self.device_setting = settings.device
        self.max_pixels = settings.max_pixels
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
            import torch
            from transformers import AutoModelForImageTextToText, AutoProcessor
        except ImportError as err:
            raise BackendError(f"the transformers backend needs the visual extra ({err}); "
                               "install with `uv sync --extra visual`") from None
        device = self.device_setting
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        on_cpu = device == "cpu"
        try:
            processor = AutoProcessor.from_pretrained(
                self.model_id, size={"shortest_edge": MIN_PIXELS, "longest_edge": self.max_pixels})
            model = AutoModelForImageTextToText.from_pretrained(
                self.model_id, dtype=torch.float32 if on_cpu else torch.bfloat16,
                attn_implementation="eager" if on_cpu else "sdpa",
            ).to(device).eval()
        except OSError as err:
            local = Path(self.model_id).is_dir()
            how = ("the folder does not hold a complete model" if local else
                   f"fetch it first with `hf download {self.model_id}` on a machine with internet "
                   "(then copy the cache) or set PAGELENS_VLM_MODEL to a local folder")
            raise BackendError(f"cannot load the VLM {self.model_id!r}: {how} ({str(err).splitlines()[0]})") from None
        return processor, model, device

    def answer(self, question: str, pages: list[EvidencePage]) -> str:
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
        content.append({"type": "text", "text": question_block(question)})
        messages = [{"role": "system", "content": [{"type": "text", "text": SYSTEM_PROMPT}]},
                    {"role": "user", "content": content}]
        prompt = processor.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        inputs = processor(text=[prompt], images=images or None, return_tensors="pt").to(device)
        with torch.inference_mode():
            output = model.generate(**inputs, max_new_tokens=self.max_new_tokens, do_sample=False)
        new_tokens = output[:, inputs["input_ids"].shape[1]:]
        return processor.batch_decode(new_tokens, skip_special_tokens=True)[0]
