"""OCR results on disk by (engine fingerprint, page-image sha256), as small JSON files: re-adding a scan
(another library, a renamed copy, a test run) skips OCR, which costs seconds per page.

The fingerprint names the engine, its version, its settings and the languages, so changing any of them
reads the page again instead of serving text another configuration read.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from .ocr_types import OcrLine

FORMAT_VERSION = "2"  # bump when the stored format changes


@dataclass(frozen=True)
class OcrCache:
    folder: Path

    @classmethod
    def at(cls, setting: str) -> "OcrCache | None":
        """The cache a `settings.ocr_cache` value names; None for "", "off" or "none"."""
        if setting.strip().lower() in {"", "off", "none"}:
            return None
        return cls(Path(setting).expanduser())

    @staticmethod
    def key(png: Path, engine: str, fingerprint: str) -> str:
        config = hashlib.sha256(f"{FORMAT_VERSION}\0{fingerprint}".encode()).hexdigest()[:16]
        return f"{engine}-{config}-{hashlib.sha256(png.read_bytes()).hexdigest()}"

    def get(self, key: str) -> list[OcrLine] | None:
        try:
            rows = json.loads((self.folder / f"{key}.json").read_text())
            return [OcrLine(text, tuple(box)) for text, box in rows]
        except (OSError, ValueError, TypeError):
            return None  # missing or unreadable: OCR again

    def put(self, key: str, pieces: list[OcrLine]) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            partial = self.folder / f"{key}.{os.getpid()}.part"
            partial.write_text(json.dumps([[p.text, list(p.box)] for p in pieces]))
            os.replace(partial, self.folder / f"{key}.json")
        except OSError:
            pass  # a read-only or full disk only loses the speed-up
