"""Files dropped on the app are copied into the library before ingestion, under content-hash folders.

Nothing from the browser is trusted as a path: the stored copy is `<library>/uploads/<sha256>/<name>`, where
`<name>` is the original base name with separators, control characters and leading dots removed; it is
the document's display name. The same bytes dropped twice land on the same path (and `Library.add` sees an
unchanged file).
"""

from __future__ import annotations

import shutil
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from ..ingest.pipeline import SUPPORTED_SUFFIXES, content_hash

UPLOADS_DIR = "uploads"
MAX_NAME_CHARS = 120
_FORBIDDEN = set('<>:"|?*')


def safe_display_name(raw: str) -> str:
    """The base name of `raw` made safe to show and to use as one path component."""
    name = unicodedata.normalize("NFC", raw).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in _FORBIDDEN).strip().lstrip(".").strip()
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem or len(suffix) > 10:
        stem, suffix = name, ""
    stem = stem[: MAX_NAME_CHARS - len(suffix) - 1].rstrip()
    if not stem:
        stem = "upload"
    return f"{stem}.{suffix}" if suffix else stem


def supported(paths: Iterable[str | Path]) -> list[Path]:
    """The files a folder upload brings that pagelens can ingest (others in a folder are skipped, as
    `Library.add` does for folders on disk); files dropped one by one are all tried and reported."""
    return [Path(p) for p in paths if Path(p).suffix.lower() in SUPPORTED_SUFFIXES]


def stage_uploads(uploaded: Iterable[str | Path], library: Path) -> list[Path]:
    """Copy each uploaded file into the library; returns the stored copies, in order, without duplicates."""
    staged: list[Path] = []
    for item in uploaded:
        source = Path(item)
        if not source.is_file():
            continue
        folder = Path(library) / UPLOADS_DIR / content_hash(source)[:32]
        target = folder / safe_display_name(source.name)
        if not target.exists():
            folder.mkdir(parents=True, exist_ok=True)
            partial = folder / f".{target.name}.partial"
            shutil.copyfile(source, partial)
            partial.replace(target)
        if target not in staged:
            staged.append(target)
    return staged
