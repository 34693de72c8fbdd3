"""The answering backend a configuration names, one per configuration and process.

Backends (env var PAGELENS_LLM_BACKEND):
- `extractive` (default): no model (extractive.py, run by the agent itself): `backend_for` returns None.
- `openai`: any OpenAI-compatible chat-completions server (vLLM, Ollama, llama.cpp server, hosted):
  PAGELENS_LLM_BASE_URL, PAGELENS_LLM_MODEL, PAGELENS_LLM_API_KEY, PAGELENS_LLM_TIMEOUT_S,
  PAGELENS_LLM_IMAGES (auto|on|off).
- `transformers`: a local Qwen2-VL / Qwen2.5-VL model (PAGELENS_VLM_MODEL: hub id or local folder).

The same configuration gets the same object back, so what a backend learns (an OpenAI server that refuses
images, a loaded VLM) lasts across questions; the agent calls `close()` after each question, which only
releases connections.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from .. import extras
from .answerer import Answerer

if TYPE_CHECKING:
    from ..config import Settings

_EXTRACTIVE = ("", "extractive", "offline", "none")
_OPENAI = ("openai", "openai_compat", "http")
_TRANSFORMERS = ("transformers", "vlm", "local")
VLM_EXTRA = "visual"  # transformers and torch come with the visual lanes' extra
MAX_CACHED = 8  # configurations kept (a UI user switching servers back and forth)

_cache: dict[tuple, Answerer] = {}
_lock = threading.Lock()


def _configuration(settings: "Settings") -> tuple[str, tuple]:
    name = settings.llm_backend.strip().lower()
    if name in _EXTRACTIVE:
        return "extractive", ()
    if name in _OPENAI:
        return "openai", (
            settings.llm_base_url,
            settings.llm_model,
            settings.llm_api_key,
            settings.llm_timeout_s,
            settings.llm_images,
            settings.llm_max_tokens,
        )
    if name in _TRANSFORMERS:
        return "transformers", (
            settings.vlm_model,
            settings.device,
            settings.max_pixels,
            settings.llm_max_tokens,
        )
    raise ValueError(f"unknown llm_backend {settings.llm_backend!r}: use extractive, openai or transformers")


def backend_for(settings: "Settings") -> Answerer | None:
    """The generative backend the settings name (cached per configuration), or None for the extractive
    answerer. Raises ValueError for an unknown backend name."""
    kind, config = _configuration(settings)
    if kind == "extractive":
        return None
    key = (kind, config)
    with _lock:
        backend = _cache.get(key)
        if backend is None:
            backend = _build(kind, settings)
            if len(_cache) >= MAX_CACHED:
                _cache.pop(next(iter(_cache))).close()
            _cache[key] = backend
        return backend


def _build(kind: str, settings: "Settings") -> Answerer:
    if kind == "openai":
        from .openai_compat import OpenAICompatBackend

        return OpenAICompatBackend(settings)
    extras.require(VLM_EXTRA, "llm_backend 'transformers'")
    from .transformers_vlm import TransformersVLMBackend

    return TransformersVLMBackend(settings)
