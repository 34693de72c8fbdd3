"""The app's Settings tab: what its users may choose, bounded by what the operator configured.

The operator owns the answering setup: endpoint, model, API key and backend come from the environment
(`PAGELENS_LLM_*`). A user may pick
- the answer backend among `extractive` and the operator's backend (and the backends that talk to an
  endpoint, `openai`, when the operator lists endpoints in `PAGELENS_LLM_ALLOWED_URLS`),
- the endpoint among `PAGELENS_LLM_ALLOWED_URLS` (default: only `PAGELENS_LLM_BASE_URL`),
- the model name and k.
The API key goes only to the operator's own `PAGELENS_LLM_BASE_URL`, never to another endpoint chosen here.
A choice made by a reader or editor holds for their session only; an admin's is saved for everyone in
`<library>/ui-settings.json` (the key is never stored), and is checked again against the operator's lists
when the app starts, so a saved endpoint the operator no longer allows is dropped.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from ..answer_backends import BACKENDS, EXTRACTIVE
from ..config import Settings
from ..lanes.registry import require_installed
from ..layout import LibraryLayout

MAX_MODEL_CHARS = 200
ANSWER_FIELDS = ("llm_backend", "llm_base_url", "llm_model")


def endpoint_choices(operator: Settings) -> list[str]:
    """The endpoints users may pick: the operator's own, then the operator's list."""
    urls = [operator.llm_base_url, *operator.llm_allowed_urls]
    return list(dict.fromkeys(_endpoint(url) for url in urls if url.strip()))


def backend_choices(operator: Settings) -> list[str]:
    """Backends users may pick (`answer_backends.BACKENDS`): always the extractive one, the operator's, and
    those that talk to an endpoint when the operator lists endpoints users may pick."""
    listed = [b.name for b in BACKENDS if b.endpoint] if operator.llm_allowed_urls else []
    return list(dict.fromkeys([EXTRACTIVE, operator.llm_backend, *listed]))


def _endpoint(url: str) -> str:
    return url.strip().rstrip("/")


@dataclass
class UiPrefs:
    """The settings a user can change in the app; built from a `Settings`, which owns their defaults."""

    lanes: list[str]
    k: int
    llm_backend: str
    llm_base_url: str
    llm_model: str

    @classmethod
    def from_settings(cls, settings: Settings) -> "UiPrefs":
        return cls(**{f.name: getattr(settings, f.name) for f in fields(cls)})

    def validated(self, operator: Settings) -> "UiPrefs":
        """The same prefs, normalised, or ValueError (MissingExtraError for a lane whose extra is not
        installed) with a sentence a user can act on."""
        lanes = [lane.strip() for lane in self.lanes if lane.strip()]
        if not lanes:
            raise ValueError("choose at least one lane")
        for lane in lanes:  # before anything is reopened; MissingExtraError says what to install
            require_installed(lane)
        if not 1 <= int(self.k) <= 100:
            raise ValueError(f"k must be between 1 and 100, not {self.k}")
        if self.llm_backend not in backend_choices(operator):
            raise ValueError(
                f"answer backend must be one of {', '.join(backend_choices(operator))}, "
                f"not {self.llm_backend!r}"
            )
        url = _endpoint(self.llm_base_url or operator.llm_base_url)
        if url != _endpoint(operator.llm_base_url) and url not in endpoint_choices(operator):
            raise ValueError(
                "that endpoint is not one the operator allows (PAGELENS_LLM_ALLOWED_URLS): "
                + ", ".join(endpoint_choices(operator))
            )
        model = self.llm_model.strip()
        if len(model) > MAX_MODEL_CHARS or not model.isprintable():
            raise ValueError(f"the model name must be printable and at most {MAX_MODEL_CHARS} characters")
        return UiPrefs(
            lanes=lanes, k=int(self.k), llm_backend=self.llm_backend, llm_base_url=url, llm_model=model
        )

    def apply(self, operator: Settings) -> Settings:
        """The operator's settings with these choices; the key only where the operator's endpoint is kept."""
        chosen = self.validated(operator)
        key = operator.llm_api_key if chosen.llm_base_url == _endpoint(operator.llm_base_url) else ""
        return operator.replace(**asdict(chosen), llm_api_key=key)


def prefs_path(library: Path) -> Path:
    return LibraryLayout(Path(library)).ui_settings


def load_prefs(library: Path, operator: Settings) -> UiPrefs:
    """Saved prefs over the operator's settings. Answer choices the operator no longer allows fall back to
    the operator's; a missing, unreadable or otherwise invalid file gives the operator's settings."""
    base = UiPrefs.from_settings(operator)
    try:
        saved = json.loads(prefs_path(library).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return base
    if not isinstance(saved, dict):
        return base
    known = {f.name for f in fields(UiPrefs)}
    merged = asdict(base) | {key: value for key, value in saved.items() if key in known}
    operator_answering = {name: getattr(base, name) for name in ANSWER_FIELDS}
    for candidate in (merged, merged | operator_answering):
        try:
            return UiPrefs(**candidate).validated(operator)
        except (TypeError, ValueError):
            continue
    return base


def save_prefs(library: Path, prefs: UiPrefs, operator: Settings) -> Path:
    """Validate and write atomically (admins only; the app checks the role); returns the file written."""
    prefs = prefs.validated(operator)
    path = prefs_path(library)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(json.dumps(asdict(prefs), indent=2), encoding="utf-8")
    partial.replace(path)
    return path
