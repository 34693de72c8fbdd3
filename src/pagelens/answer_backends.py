"""The answer backends pagelens knows: one entry each names the backend, its factory, the extra it needs and
the settings that configure it (the lanes' registry, `lanes/registry.py`, as data for answerers).

It sits at the bottom so that `config` takes its allowed `llm_backend` values from here, and `rag/backends.py`
(which builds and caches the backend a configuration names), the app's Settings tab (`ui/prefs.py`) and the
CLI read the same entries. Factories are "module:attribute" strings imported on first use, so naming a
backend never imports its packages (torch for `transformers`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AnswerBackend:
    name: str  # the value of settings.llm_backend (PAGELENS_LLM_BACKEND)
    # "module:attribute" of a class taking a Settings (an `rag.answerer.Answerer`); None: the extractive
    # answerer, which the agent runs itself
    factory: str | None
    extra: str | None = None  # the pyproject extra whose packages the backend imports
    settings: tuple[str, ...] = ()  # the Settings fields it reads: one backend object per distinct values
    endpoint: bool = False  # talks to llm_base_url, so a user who may pick an endpoint may pick it


EXTRACTIVE = "extractive"  # the default: no model, answers quote the pages
BACKENDS: tuple[AnswerBackend, ...] = (
    AnswerBackend(EXTRACTIVE, None),
    AnswerBackend(
        "openai",
        "pagelens.rag.openai_compat:OpenAICompatBackend",
        settings=(
            "llm_base_url",
            "llm_model",
            "llm_api_key",
            "llm_timeout_s",
            "llm_images",
            "llm_max_tokens",
        ),
        endpoint=True,
    ),
    AnswerBackend(
        "transformers",
        "pagelens.rag.transformers_vlm:TransformersVLMBackend",
        extra="visual",  # transformers and torch come with the visual lanes' extra
        settings=("vlm_model", "device", "max_pixels", "llm_max_tokens"),
    ),
)
NAMES: tuple[str, ...] = tuple(backend.name for backend in BACKENDS)


def backend_named(name: str) -> AnswerBackend:
    """The entry of backend `name` (a name `config.Settings` accepted, so one of NAMES)."""
    return next(backend for backend in BACKENDS if backend.name == name)
