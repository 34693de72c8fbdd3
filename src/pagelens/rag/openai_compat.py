"""OpenAI-compatible chat completions over HTTP (vLLM, Ollama, llama.cpp server, hosted APIs).

Page images go as base64 `image_url` parts when `llm_images` is on, or when it is `auto` until the server
refuses them (HTTP 400/415/422 or an error mentioning images); then this backend sends page text only for
the rest of its life. Every call has a strict timeout; every failure becomes a `BackendError` that names the
HTTP status but never repeats the server's reply (an endpoint is not trusted to write into a user's chat).
Redirects are not followed, so the request (and its key) reaches the configured endpoint and nothing else.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from .backends import (REWRITE_HISTORY_MESSAGES, REWRITE_PROMPT, SYSTEM_PROMPT, BackendError, clean_rewrite,
                       page_block, question_block)
from .rewrite import message_text
from .evidence import EvidencePage

if TYPE_CHECKING:
    from ..config import Settings

CONNECT_TIMEOUT_S = 5.0
_IMAGE_REFUSED_STATUS = {400, 415, 422, 500}


class OpenAICompatBackend:
    name = "openai"

    def __init__(self, settings: "Settings") -> None:
        self.base_url = settings.llm_base_url.rstrip("/")
        self.model = settings.llm_model
        self.timeout_s = settings.llm_timeout_s
        self.max_tokens = settings.llm_max_tokens
        mode = settings.llm_images.strip().lower()
        self.send_images: bool | None = {"on": True, "off": False}.get(mode)  # None: auto, try first
        headers = {"Authorization": f"Bearer {settings.llm_api_key}"} if settings.llm_api_key else {}
        self._client = httpx.Client(
            base_url=self.base_url, headers=headers,
            timeout=httpx.Timeout(self.timeout_s, connect=min(CONNECT_TIMEOUT_S, self.timeout_s)),
            follow_redirects=False,
        )

    def answer(self, question: str, pages: list[EvidencePage]) -> str:
        model = self.model or self._first_model()
        if self.send_images is not False and any(p.image_path for p in pages):
            try:
                return self._complete(model, self._messages(question, pages, images=True))
            except _ImagesRefused:
                if self.send_images:
                    raise BackendError(f"the LLM server at {self.base_url} refused page images "
                                       "(set PAGELENS_LLM_IMAGES=off for a text-only model)") from None
                self.send_images = False
        return self._complete(model, self._messages(question, pages, images=False))

    def rewrite(self, question: str, history: list) -> str:
        """A standalone form of a follow-up question, written by the model from the conversation."""
        turns = [{"role": m.get("role", "user"), "content": message_text(m)} for m in history
                 if isinstance(m, dict) and m.get("role") in ("user", "assistant")][-REWRITE_HISTORY_MESSAGES:]
        messages = [{"role": "system", "content": REWRITE_PROMPT}, *turns, {"role": "user", "content": question}]
        return clean_rewrite(self._complete(self.model or self._first_model(), messages))

    def _messages(self, question: str, pages: list[EvidencePage], *, images: bool) -> list[dict]:
        parts: list[dict] = []
        for page in pages:
            parts.append({"type": "text", "text": page_block(page)})
            if images and page.image_path and Path(page.image_path).is_file():
                data = base64.b64encode(Path(page.image_path).read_bytes()).decode("ascii")
                parts.append({"type": "image_url", "image_url": {"url": f"data:image/png;base64,{data}"}})
        parts.append({"type": "text", "text": question_block(question)})
        content: list[dict] | str = parts if images else "\n\n".join(p["text"] for p in parts)
        return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": content}]

    def _post(self, path: str, payload: dict | None = None) -> httpx.Response:
        try:
            if payload is None:
                return self._client.get(path)
            return self._client.post(path, json=payload)
        except httpx.TimeoutException:
            raise BackendError(f"the LLM server at {self.base_url} did not answer within {self.timeout_s:g} s "
                               "(raise PAGELENS_LLM_TIMEOUT_S or use a smaller model)") from None
        except httpx.TransportError as err:
            raise BackendError(f"cannot reach the LLM server at {self.base_url} ({type(err).__name__}: {err}); "
                               "is it running? (PAGELENS_LLM_BASE_URL)") from None

    def _first_model(self) -> str:
        response = self._post("/models")
        try:
            response.raise_for_status()
            return response.json()["data"][0]["id"]
        except (httpx.HTTPStatusError, ValueError, KeyError, IndexError, TypeError):
            raise BackendError(f"no model named and {self.base_url}/models lists none; "
                               "set PAGELENS_LLM_MODEL") from None

    def _complete(self, model: str, messages: list[dict]) -> str:
        payload = {"model": model, "messages": messages, "temperature": 0, "max_tokens": self.max_tokens}
        response = self._post("/chat/completions", payload)
        images = isinstance(messages[-1]["content"], list)
        if response.status_code >= 400:
            body = response.text[:300]
            if images and (response.status_code in _IMAGE_REFUSED_STATUS or "image" in body.lower()):
                raise _ImagesRefused(body)
            raise BackendError(f"the LLM server at {self.base_url} answered HTTP {response.status_code} "
                               f"({httpx.codes.get_reason_phrase(response.status_code) or 'unknown status'})")
        if response.is_redirect:
            raise BackendError(f"the LLM server at {self.base_url} answered with a redirect, which pagelens does "
                               "not follow; set PAGELENS_LLM_BASE_URL to the final address")
        try:
            content = response.json()["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise BackendError(f"the LLM server at {self.base_url} returned something that is not a chat "
                               "completion") from None
        if not isinstance(content, str):
            raise BackendError(f"the LLM server at {self.base_url} returned no text content")
        return content

    def close(self) -> None:
        self._client.close()


class _ImagesRefused(Exception):
    pass
