"""OCR with the Debian `tesseract` command (package `tesseract-ocr`, one language pack per language).

One single-threaded tesseract process per page (`OMP_THREAD_LIMIT=1`): pagelens gets its parallelism
from running one worker per core, and tesseract's own OpenMP threads only add contention on top of that.
About 2 CPU-seconds for a 1500 px letter page here, 3-5x less than rapidocr's PP-OCRv6 models.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
from pathlib import Path

from ..errors import IngestError
from .ocr_types import OcrLine

INSTALL_HINT = "apt-get install tesseract-ocr (Debian/Ubuntu), or set PAGELENS_OCR=rapidocr"


@functools.cache
def _executable() -> str:
    exe = shutil.which("tesseract")
    if exe is None:
        raise IngestError(f"the OCR engine 'tesseract' is not installed: {INSTALL_HINT}")
    return exe


@functools.cache
def _installed_langs() -> frozenset[str]:
    out = subprocess.run([_executable(), "--list-langs"], capture_output=True, text=True, check=False)
    return frozenset(line.strip() for line in out.stdout.splitlines()[1:] if line.strip())


@functools.cache
def _version() -> str:
    out = subprocess.run([_executable(), "--version"], capture_output=True, text=True, check=False)
    lines = (out.stdout or out.stderr).splitlines()
    return lines[0].strip() if lines else "unknown"


def fingerprint(langs: tuple[str, ...]) -> str:
    """Everything that decides what this engine reads (for the OCR cache key)."""
    return json.dumps(["tesseract", _version(), list(langs)])


def check_langs(langs: tuple[str, ...]) -> None:
    missing = [lang for lang in langs if lang not in _installed_langs()]
    if missing:
        packages = " ".join(f"tesseract-ocr-{lang.replace('_', '-').lower()}" for lang in missing)
        raise IngestError(
            f"OCR language(s) {', '.join(missing)} are not installed for tesseract (installed: "
            f"{', '.join(sorted(_installed_langs())) or 'none'}); install them with "
            f"apt-get install {packages}, or change PAGELENS_OCR_LANGS"
        )


def read(png: Path, langs: tuple[str, ...]) -> list[OcrLine]:
    """Word boxes from `tesseract ... tsv`, grouped into lines by tesseract's own block/paragraph/line ids."""
    check_langs(langs)
    out = subprocess.run(
        [_executable(), str(png), "stdout", "-l", "+".join(langs), "tsv"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "OMP_THREAD_LIMIT": "1"},
    )
    if out.returncode != 0:
        raise IngestError(f"tesseract failed on this page: {out.stderr.strip()[:200]}")
    words: dict[tuple[str, str, str], list[OcrLine]] = {}
    for row in out.stdout.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) == 12 and cols[0] == "5" and cols[11].strip():
            left, top, width, height = (float(v) for v in cols[6:10])
            words.setdefault((cols[2], cols[3], cols[4]), []).append(
                OcrLine(cols[11].strip(), (left, top, left + width, top + height))
            )
    return [
        OcrLine(
            " ".join(w.text for w in line),
            (
                min(w.box[0] for w in line),
                min(w.box[1] for w in line),
                max(w.box[2] for w in line),
                max(w.box[3] for w in line),
            ),
        )
        for line in words.values()
    ]
