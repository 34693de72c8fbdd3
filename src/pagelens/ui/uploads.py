"""Files dropped on the app are copied into the library before ingestion, under content-hash folders.

Nothing from the browser is trusted as a path: the stored copy is `<library>/uploads/<sha256>/<name>`, where
`<name>` is the original base name with separators, control characters and leading dots removed; it is
the document's display name, cut to `MAX_NAME_BYTES` of UTF-8 so no name can exceed a file system's
255-byte limit. The same bytes dropped twice land on the same path (and `Library.add` sees an unchanged file).

Storage hygiene: a file that cannot be stored (disk full, quota) gets its own failed outcome and the
rest of the batch goes on; the uploads folder as a whole is capped (`settings.max_uploads_mb`). The library
deletes a copy again when its file fails to ingest or its document is removed or replaced (index/writer.py).
"""

from __future__ import annotations

import errno
import shutil
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..ingest.pipeline import SUPPORTED_SUFFIXES, content_hash
from ..layout import LibraryLayout
from ..types import FileOutcome

MAX_NAME_CHARS = 120
MAX_NAME_BYTES = 200  # of UTF-8: file systems allow 255 bytes per name, the partial copy adds a few
_FORBIDDEN = set('<>:"|?*')


def safe_display_name(raw: str) -> str:
    """The base name of `raw` made safe to show and to use as one path component."""
    name = unicodedata.normalize("NFC", raw).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in _FORBIDDEN).strip().lstrip(".").strip()
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem or len(suffix) > 10:
        stem, suffix = name, ""
    stem = stem[: MAX_NAME_CHARS - len(suffix) - 1].rstrip()
    while len(f"{stem}.{suffix}".encode()) > MAX_NAME_BYTES:
        stem = stem[:-1].rstrip()
    if not stem:
        stem = "upload"
    return f"{stem}.{suffix}" if suffix else stem


_SPELLING = {
    ".htm": ".html",
    ".xhtml": ".html",
    ".jpg": ".jpeg",
    ".tif": ".tiff",
    ".markdown": ".md",
    ".text": ".txt",
}
_SHOWN = {".md": "Markdown", ".webp": "WebP"}


def supported_types() -> list[str]:
    """Every file type the library takes, once each (`.htm` is HTML, `.jpg` JPEG...), PDF first."""
    names = {_SHOWN.get(s, s.lstrip(".").upper()) for s in (_SPELLING.get(x, x) for x in SUPPORTED_SUFFIXES)}
    return sorted(names, key=lambda name: (name != "PDF", name.lower()))


def supported(paths: Iterable[str | Path]) -> list[Path]:
    """The files a folder upload brings that pagelens can ingest (others in a folder are skipped, as
    `Library.add` does for folders on disk); files dropped one by one are all tried and reported."""
    return [Path(p) for p in paths if Path(p).suffix.lower() in SUPPORTED_SUFFIXES]


@dataclass
class Staged:
    """Stored copies ready for `Library.add`, and the files refused before ingestion (with their reasons)."""

    files: list[Path] = field(default_factory=list)
    refused: list[FileOutcome] = field(default_factory=list)


def uploads_bytes(library: Path) -> int:
    folder = LibraryLayout(Path(library)).uploads
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0


def stage_uploads(uploaded: Iterable[str | Path], library: Path, quota_bytes: int) -> Staged:
    """Copy each uploaded file into the library (in order, without duplicates) while the uploads folder
    stays within `quota_bytes`; a file that cannot be stored is refused on its own."""
    staged = Staged()
    used = uploads_bytes(library)
    for item in uploaded:
        source = Path(item)
        if not source.is_file():
            continue
        name = safe_display_name(source.name)
        folder = LibraryLayout(Path(library)).uploads / content_hash(source)[:32]
        target = folder / name
        if not target.exists():
            size = source.stat().st_size
            if used + size > quota_bytes:
                staged.refused.append(
                    FileOutcome(
                        name,
                        "",
                        "failed",
                        reason=(
                            f"the library's upload space ({quota_bytes // 2**20} MB, PAGELENS_MAX_UPLOADS_MB) is full; "
                            "remove documents or ask the operator for more"
                        ),
                    )
                )
                continue
            try:
                _copy(source, target)
            except OSError as err:
                staged.refused.append(FileOutcome(name, "", "failed", reason=stored_error(err)))
                continue
            used += size
        if target not in staged.files:
            staged.files.append(target)
    return staged


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.parent / f".{target.name}.partial"
    try:
        shutil.copyfile(source, partial)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
        if not any(target.parent.iterdir()):
            target.parent.rmdir()


def stored_error(err: OSError) -> str:
    """Why a file could not be stored, without any server path."""
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        return "disk full: the server has no space left to store this file; nothing was added"
    return f"the file could not be stored on the server ({err.strerror or type(err).__name__})"
