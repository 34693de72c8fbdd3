"""LLM answerers behind one small interface, chosen by `settings.llm_backend`.

A generative backend gets the question and the pages shown (label, text, image) and returns the model's
raw reply; the agent validates its citations. Backends raise `BackendError` with a sentence a user can
act on (server unreachable, timed out, weights missing); the agent then answers extractively.

Backends (env var PAGELENS_LLM_BACKEND):
- `extractive` (default): no model, see extractive.py (handled by the agent itself).
- `openai`: any OpenAI-compatible chat-completions server (vLLM, Ollama, llama.cpp server, hosted):
  PAGELENS_LLM_BASE_URL, PAGELENS_LLM_MODEL, PAGELENS_LLM_API_KEY, PAGELENS_LLM_TIMEOUT_S,
  PAGELENS_LLM_IMAGES (auto|on|off).
- `transformers`: a local Qwen2-VL / Qwen2.5-VL model (PAGELENS_VLM_MODEL: hub id or local folder).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

from .evidence import EvidencePage

if TYPE_CHECKING:
    from ..config import Settings

NOT_ANSWERED = "NOT_IN_LIBRARY"
PAGE_TEXT_CHARS = 3000  # page text shown per page to a text model

SYSTEM_PROMPT = (
    "You answer questions using only the document pages provided. Each page starts with its label, "
    "like [manual.pdf p.3]. Cite every fact with the label of the page it comes from, written exactly "
    "as given. Be brief. If the pages do not contain the answer, reply exactly " + NOT_ANSWERED + "."
)


REWRITE_PROMPT = (
    "Rewrite the user's last message as one standalone search question, taking names and topics it leaves "
    "out from the conversation. Reply with the question only."
)
REWRITE_HISTORY_MESSAGES = 6
REWRITE_MAX_CHARS = 300


class BackendError(RuntimeError):
    """An answering backend failed; the message says what happened and what to do."""


class Answerer(Protocol):
    name: str

    def answer(self, question: str, pages: list[EvidencePage]) -> str:
        """The model's raw reply to the question about these pages (labels as in `page_block`)."""


def clean_rewrite(reply: str) -> str:
    """First line of a model's rewrite, unquoted and capped; empty replies are a BackendError."""
    line = next((ln.strip() for ln in reply.splitlines() if ln.strip()), "").strip("\"'` ")
    if not line:
        raise BackendError("the model returned an empty rewrite")
    return line[:REWRITE_MAX_CHARS]


def page_block(page: EvidencePage) -> str:
    text = " ".join(page.text.split())
    if len(text) > PAGE_TEXT_CHARS:
        text = text[:PAGE_TEXT_CHARS] + " ..."
    return f"{page.label}\n{text or '(no text on this page; see its image)'}"


def question_block(question: str) -> str:
    return f"Question: {question}\nAnswer with citations, or {NOT_ANSWERED}."


@lru_cache(maxsize=2)
def _local_vlm(model: str, device: str, max_pixels: int, max_tokens: int) -> Answerer:
    """One loaded VLM per configuration and process: loading a 2B model per question would be absurd."""
    from ..config import Settings
    from .transformers_vlm import TransformersVLMBackend

    return TransformersVLMBackend(Settings(vlm_model=model, device=device, max_pixels=max_pixels,
                                           llm_max_tokens=max_tokens))


def create_backend(settings: "Settings") -> Answerer | None:
    """The generative backend the settings name, or None for the extractive answerer."""
    name = settings.llm_backend.strip().lower()
    if name in ("", "extractive", "offline", "none"):
        return None
    if name in ("openai", "openai_compat", "http"):
        from .openai_compat import OpenAICompatBackend

        return OpenAICompatBackend(settings)
    if name in ("transformers", "vlm", "local"):
        return _local_vlm(settings.vlm_model, settings.device, settings.max_pixels, settings.llm_max_tokens)
    raise ValueError(f"unknown llm_backend {settings.llm_backend!r}: use extractive, openai or transformers")
