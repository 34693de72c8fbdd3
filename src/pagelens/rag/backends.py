"""The answering backend a configuration names, one per configuration and process.

The backends and what configures each are entries of `answer_backends.BACKENDS` (env var
PAGELENS_LLM_BACKEND picks one):
- `extractive` (default): no model (extractive.py, run by the agent itself): `backend_for` returns None.
- `openai`: any OpenAI-compatible chat-completions server (vLLM, Ollama, llama.cpp server, hosted):
  PAGELENS_LLM_BASE_URL, PAGELENS_LLM_MODEL, PAGELENS_LLM_API_KEY, PAGELENS_LLM_TIMEOUT_S,
  PAGELENS_LLM_IMAGES (auto|on|off).
- `transformers`: a local Qwen2-VL / Qwen2.5-VL model (PAGELENS_VLM_MODEL: hub id or local folder).

The same configuration (the entry's settings) gets the same object back, so what a backend learns (an OpenAI
server that refuses images, a loaded VLM) lasts across questions; the agent calls `close()` after each
question, which only releases connections.
"""

from __future__ import annotations

import importlib
import threading
from typing import TYPE_CHECKING

from .. import extras
from ..answer_backends import AnswerBackend, backend_named
from .answerer import Answerer

if TYPE_CHECKING:
    from ..config import Settings

MAX_CACHED = 8  # configurations kept (a UI user switching servers back and forth)

_cache: dict[tuple, Answerer] = {}
_lock = threading.Lock()


def backend_for(settings: "Settings") -> Answerer | None:
    """The generative backend the settings name (cached per configuration), or None for the extractive
    answerer. MissingExtraError when the backend's extra is not installed."""
    entry = backend_named(settings.llm_backend)
    if entry.factory is None:
        return None
    key = (entry.name, tuple(getattr(settings, name) for name in entry.settings))
    with _lock:
        backend = _cache.get(key)
        if backend is None:
            backend = _build(entry, settings)
            if len(_cache) >= MAX_CACHED:
                _cache.pop(next(iter(_cache))).close()
            _cache[key] = backend
        return backend


def _build(entry: AnswerBackend, settings: "Settings") -> Answerer:
    if entry.extra:
        extras.require(entry.extra, f"llm_backend {entry.name!r}")
    module_name, _, attr = entry.factory.partition(":")
    return getattr(importlib.import_module(module_name), attr)(settings)
