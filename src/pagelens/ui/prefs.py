"""The app's Settings tab, persisted in the library folder (`<library>/ui-settings.json`).

Only the fields a user can change in the app are stored (lanes, k, answer backend and endpoint); the API
key never is (it stays in the environment). Saved values override the start-up settings, so a choice made
in the app survives a restart; delete the file to go back to the defaults.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from ..config import Settings

PREFS_FILE = "ui-settings.json"
BACKENDS = ("extractive", "openai", "transformers")


@dataclass
class UiPrefs:
    lanes: list[str] = field(default_factory=lambda: ["text"])
    k: int = 10
    llm_backend: str = "extractive"
    llm_base_url: str = ""
    llm_model: str = ""

    @classmethod
    def from_settings(cls, settings: Settings) -> "UiPrefs":
        return cls(**{f.name: getattr(settings, f.name) for f in fields(cls)})

    def validated(self) -> "UiPrefs":
        """The same prefs, or ValueError with a sentence a user can act on."""
        lanes = [lane.strip() for lane in self.lanes if lane.strip()]
        if not lanes:
            raise ValueError("choose at least one lane")
        if not 1 <= int(self.k) <= 100:
            raise ValueError(f"k must be between 1 and 100, not {self.k}")
        if self.llm_backend not in BACKENDS:
            raise ValueError(f"answer backend must be one of {', '.join(BACKENDS)}, not {self.llm_backend!r}")
        if self.llm_backend == "openai" and not self.llm_base_url.startswith(("http://", "https://")):
            raise ValueError("the OpenAI-compatible backend needs an endpoint URL starting with http:// or https://")
        return UiPrefs(lanes=lanes, k=int(self.k), llm_backend=self.llm_backend,
                       llm_base_url=self.llm_base_url.strip(), llm_model=self.llm_model.strip())

    def apply(self, settings: Settings) -> Settings:
        return settings.replace(**asdict(self))


def prefs_path(library: Path) -> Path:
    return Path(library) / PREFS_FILE


def load_prefs(library: Path, defaults: Settings) -> UiPrefs:
    """Saved prefs over `defaults`; a missing, unreadable or invalid file gives the defaults."""
    base = UiPrefs.from_settings(defaults)
    try:
        saved = json.loads(prefs_path(library).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return base
    if not isinstance(saved, dict):
        return base
    known = {f.name for f in fields(UiPrefs)}
    merged = asdict(base) | {key: value for key, value in saved.items() if key in known}
    try:
        return UiPrefs(**merged).validated()
    except (TypeError, ValueError):
        return base


def save_prefs(library: Path, prefs: UiPrefs) -> Path:
    """Validate and write atomically; returns the file written."""
    prefs = prefs.validated()
    path = prefs_path(library)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(json.dumps(asdict(prefs), indent=2), encoding="utf-8")
    partial.replace(path)
    return path
