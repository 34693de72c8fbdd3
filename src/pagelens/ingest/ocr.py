"""OCR of a page image: text in reading order plus line regions (boxes in the image's pixels).

Engines: rapidocr (default; its ONNX models ship inside the wheel, loaded once per process) or the
Debian `tesseract` command when `settings.ocr == "tesseract"`.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Settings
from ..types import Region
from .errors import IngestError

_CACHE_VERSION = "1"  # bump when the engines' settings or the stored format change


@dataclass(frozen=True)
class OcrLine:
    text: str
    box: tuple[float, float, float, float]


@dataclass
class OcrResult:
    text: str = ""
    regions: list[Region] = field(default_factory=list)


def ocr_page(png: Path, settings: Settings) -> OcrResult:
    if settings.ocr == "off":
        return OcrResult()
    engines = {"rapidocr": _rapidocr, "tesseract": _tesseract}
    if settings.ocr not in engines:
        raise IngestError(f"unknown OCR engine {settings.ocr!r}; "
                          "set PAGELENS_OCR to rapidocr, tesseract or off")
    cache = OcrCache.for_settings(settings)
    key = cache.key(png, settings.ocr) if cache else ""
    pieces = cache.get(key) if cache else None
    if pieces is None:
        pieces = engines[settings.ocr](png)
        if cache:
            cache.put(key, pieces)
    lines = reading_order(pieces)
    return OcrResult(text="\n".join(line.text for line in lines),
                     regions=[Region("text", line.box, line.text) for line in lines])


def reading_order(pieces: list[OcrLine]) -> list[OcrLine]:
    """Merge detected pieces that sit on the same visual line (left to right), lines top to bottom.

    Two pieces share a line when their vertical centres are closer than half the smaller height.
    """
    lines: list[list[OcrLine]] = []
    for piece in sorted(pieces, key=lambda p: (p.box[1] + p.box[3]) / 2):
        centre, height = (piece.box[1] + piece.box[3]) / 2, piece.box[3] - piece.box[1]
        if lines:
            last = lines[-1][-1]
            last_centre, last_height = (last.box[1] + last.box[3]) / 2, last.box[3] - last.box[1]
            if abs(centre - last_centre) < min(height, last_height) / 2:
                lines[-1].append(piece)
                continue
        lines.append([piece])
    merged = []
    for line in lines:
        line.sort(key=lambda p: p.box[0])
        box = (min(p.box[0] for p in line), min(p.box[1] for p in line),
               max(p.box[2] for p in line), max(p.box[3] for p in line))
        merged.append(OcrLine(" ".join(p.text for p in line), box))
    return merged


@functools.cache
def _rapidocr_engine():
    """Loaded once per process: model loading costs about a second, each page far more than that."""
    from rapidocr import RapidOCR

    return RapidOCR(params={"Global.log_level": "error", "Global.use_cls": False})


def _rapidocr(png: Path) -> list[OcrLine]:
    result = _rapidocr_engine()(png.read_bytes())
    if result.boxes is None or result.txts is None:
        return []
    pieces = []
    for quad, text in zip(result.boxes, result.txts):
        xs, ys = [float(x) for x, _ in quad], [float(y) for _, y in quad]
        if text.strip():
            pieces.append(OcrLine(text.strip(), (min(xs), min(ys), max(xs), max(ys))))
    return pieces


def _tesseract(png: Path) -> list[OcrLine]:
    """Word boxes from `tesseract ... tsv`, grouped into lines by tesseract's own block/paragraph/line ids."""
    exe = shutil.which("tesseract")
    if exe is None:
        raise IngestError("OCR engine 'tesseract' is not installed (apt-get install tesseract-ocr), "
                          "or set PAGELENS_OCR=rapidocr")
    out = subprocess.run([exe, str(png), "stdout", "tsv"], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise IngestError(f"tesseract failed on this page: {out.stderr.strip()[:200]}")
    words: dict[tuple[str, str, str], list[OcrLine]] = {}
    for row in out.stdout.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) == 12 and cols[0] == "5" and cols[11].strip():
            left, top, width, height = (float(v) for v in cols[6:10])
            words.setdefault((cols[2], cols[3], cols[4]), []).append(
                OcrLine(cols[11].strip(), (left, top, left + width, top + height)))
    return [OcrLine(" ".join(w.text for w in line),
                    (min(w.box[0] for w in line), min(w.box[1] for w in line),
                     max(w.box[2] for w in line), max(w.box[3] for w in line)))
            for line in words.values()]


@dataclass(frozen=True)
class OcrCache:
    """Detected pieces by (engine, page-image sha256) as small JSON files: re-adding a scan (another
    library, a renamed copy, a test run) skips OCR, which costs seconds per page."""

    folder: Path

    @classmethod
    def for_settings(cls, settings: Settings) -> "OcrCache | None":
        if settings.ocr_cache.strip().lower() in {"", "off", "none"}:
            return None
        return cls(Path(settings.ocr_cache).expanduser())

    def key(self, png: Path, engine: str) -> str:
        return f"{engine}-{_CACHE_VERSION}-{hashlib.sha256(png.read_bytes()).hexdigest()}"

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
