"""`Library`: the public face of pagelens (a folder with an embedded Chroma, page images and a catalog).

SKELETON: the signatures below are the contract other modules code against; bodies are being written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from .config import Settings
from .types import AddReport, Answer, DocumentInfo, Hit, Page


class Library:
    def __init__(self, path: str | Path | None = None, *, lanes: Sequence[str] | None = None,
                 settings: Settings | None = None) -> None:
        raise NotImplementedError

    def add(self, paths: Iterable[str | Path], *, progress: bool | None = None) -> AddReport:
        """Ingest files and folders (recursive). Unchanged files are a no-op; changed ones replace."""
        raise NotImplementedError

    def search(self, text: str | None = None, k: int | None = None, *, image=None,
               lanes: Sequence[str] | None = None) -> list[Hit]:
        """Ranked pages for a text query, an image (PDV composed query), or both."""
        raise NotImplementedError

    def documents(self) -> list[DocumentInfo]:
        raise NotImplementedError

    def remove(self, name: str) -> bool:
        """Remove a document (by its name) from every lane, the catalog and the image store."""
        raise NotImplementedError

    def pages(self, name: str) -> list[Page]:
        """All pages of a document, in order."""
        raise NotImplementedError

    def get_pages(self, keys: Sequence[str]) -> list[Page]:
        """Pages by page key (`types.page_key`), in the order asked; unknown keys are skipped."""
        raise NotImplementedError

    def ask(self, question: str, history: Sequence[dict] | None = None, **options) -> Answer:
        """The agentic answer loop (rag/); history is OpenAI-style messages."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> "Library":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
