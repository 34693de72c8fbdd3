"""OpenAI-compatible chat completions over HTTP (vLLM, Ollama, llama.cpp server, hosted APIs).

Page images go as base64 `image_url` parts when `llm_images` is on, or when it is `auto` until the server
refuses them (HTTP 400/415/422, the statuses of a request the server understood and rejected; a 5xx is a
server failure, not a refusal); then this backend sends page text only for the rest of its life (the
factory keeps one backend per configuration, so that is the rest of the process). The model gets the
citation rules, the recent conversation and its state (focus, pages cited last) with the pages. Every call
has a strict timeout; every failure becomes a `BackendError` that names the HTTP status but never repeats
the server's reply (an endpoint is not trusted to write into a user's chat).
Redirects are not followed, so the request (and its key) reaches the configured endpoint and nothing else.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from .answerer import (
    SYSTEM_PROMPT,
    Answerer,
    BackendError,
    Conversation,
    clean_rewrite,
    page_block,
    question_block,
    rewrite_messages,
)
from .evidence import EvidencePage

if TYPE_CHECKING:
    from ..config import Settings

CONNECT_TIMEOUT_S = 5.0
_IMAGE_REFUSED_STATUS = {400, 415, 422}


class OpenAICompatBackend(Answerer):
    name = "openai"

    def __init__(self, settings: "Settings") -> None:
        self.base_url = settings.llm_base_url.rstrip("/")
        self.model = settings.llm_model
        self.timeout_s = settings.llm_timeout_s
        self.max_tokens = settings.llm_max_tokens
        mode = settings.llm_images.strip().lower()
        self.send_images: bool | None = {"on": True, "off": False}.get(mode)  # None: auto, try first
        self._headers = {"Authorization": f"Bearer {settings.llm_api_key}"} if settings.llm_api_key else {}
        self._http: httpx.Client | None = None

    @property
    def _client(self) -> httpx.Client:
        if self._http is None:
            self._http = httpx.Client(
                base_url=self.base_url,
                headers=self._headers,
                timeout=httpx.Timeout(self.timeout_s, connect=min(CONNECT_TIMEOUT_S, self.timeout_s)),
                follow_redirects=False,
            )
        return self._http

    def answer(self, question: str, pages: Sequence[EvidencePage], conversation: Conversation) -> str:
        model = self.model or self._first_model()
        if self.send_images is not False and any(p.image_path for p in pages):
            try:
                return self._complete(model, self._messages(question, pages, conversation, images=True))
            except _ImagesRefused:
                if self.send_images:
                    raise BackendError(
                        f"the LLM server at {self.base_url} refused page images "
                        "(set PAGELENS_LLM_IMAGES=off for a text-only model)"
                    ) from None
                self.send_images = False
        return self._complete(model, self._messages(question, pages, conversation, images=False))

    def rewrite(self, question: str, conversation: Conversation) -> str:
        """A standalone form of a follow-up question, written by the model from the conversation."""
        messages = rewrite_messages(question, conversation)
        return clean_rewrite(self._complete(self.model or self._first_model(), messages))

    def _messages(
        self, question: str, pages: Sequence[EvidencePage], conversation: Conversation, *, images: bool
    ) -> list[dict]:
        parts: list[dict] = []
        for page in pages:
            parts.append({"type": "text", "text": page_block(page)})
            if images and page.image_path and Path(page.image_path).is_file():
                data = base64.b64encode(Path(page.image_path).read_bytes()).decode("ascii")
                parts.append({"type": "image_url", "image_url": {"url": f"data:image/png;base64,{data}"}})
        parts.append({"type": "text", "text": question_block(question, conversation)})
        content: list[dict] | str = parts if images else "\n\n".join(p["text"] for p in parts)
        return [
            {"role": "system", "content": SYSTEM_PROMPT},
            *conversation.recent(),
            {"role": "user", "content": content},
        ]

    def _post(self, path: str, payload: dict | None = None) -> httpx.Response:
        try:
            if payload is None:
                return self._client.get(path)
            return self._client.post(path, json=payload)
        except httpx.TimeoutException:
            raise BackendError(
                f"the LLM server at {self.base_url} did not answer within {self.timeout_s:g} s "
                "(raise PAGELENS_LLM_TIMEOUT_S or use a smaller model)"
            ) from None
        except httpx.TransportError as err:
            raise BackendError(
                f"cannot reach the LLM server at {self.base_url} ({type(err).__name__}: {err}); "
                "is it running? (PAGELENS_LLM_BASE_URL)"
            ) from None

    def _first_model(self) -> str:
        response = self._post("/models")
        try:
            response.raise_for_status()
            return response.json()["data"][0]["id"]
        except (httpx.HTTPStatusError, ValueError, KeyError, IndexError, TypeError):
            raise BackendError(
                f"no model named and {self.base_url}/models lists none; set PAGELENS_LLM_MODEL"
            ) from None

    def _complete(self, model: str, messages: list[dict]) -> str:
        payload = {"model": model, "messages": messages, "temperature": 0, "max_tokens": self.max_tokens}
        response = self._post("/chat/completions", payload)
        images = isinstance(messages[-1]["content"], list)
        if response.status_code >= 400:
            body = response.text[:300]
            if images and response.status_code in _IMAGE_REFUSED_STATUS:
                raise _ImagesRefused(body)
            raise BackendError(
                f"the LLM server at {self.base_url} answered HTTP {response.status_code} "
                f"({httpx.codes.get_reason_phrase(response.status_code) or 'unknown status'})"
            )
        if response.is_redirect:
            raise BackendError(
                f"the LLM server at {self.base_url} answered with a redirect, which pagelens does "
                "not follow; set PAGELENS_LLM_BASE_URL to the final address"
            )
        try:
            content = response.json()["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise BackendError(
                f"the LLM server at {self.base_url} returned something that is not a chat completion"
            ) from None
        if not isinstance(content, str):
            raise BackendError(f"the LLM server at {self.base_url} returned no text content")
        return content

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None


class _ImagesRefused(Exception):
    pass
