"""OCR of a page image: text in reading order plus line regions (boxes in the image's pixels).

Engines (`settings.ocr`): `tesseract` (default: the Debian `tesseract-ocr` command, ~2 CPU-s per page
here) or `rapidocr` (ONNX models inside the wheel, nothing to install, 3-5x slower on CPU); `off`.
`settings.ocr_langs` names the languages in tesseract's codes (eng, deu, chi_sim, ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..config import Settings
from ..errors import IngestError
from ..types import Region
from . import ocr_rapid, ocr_tesseract
from .ocr_cache import OcrCache
from .ocr_types import OcrLine

ENGINES = {"tesseract": ocr_tesseract, "rapidocr": ocr_rapid}


@dataclass
class OcrResult:
    text: str = ""
    regions: list[Region] = field(default_factory=list)


def ocr_page(png: Path, settings: Settings) -> OcrResult:
    if settings.ocr == "off":
        return OcrResult()
    lines = reading_order(read_image(png, settings))
    return OcrResult(
        text="\n".join(line.text for line in lines),
        regions=[Region("text", line.box, line.text) for line in lines],
    )


def read_image(png: Path, settings: Settings) -> list[OcrLine]:
    """The engine's pieces of text in an image file (a page or a figure cut from one), from the OCR cache
    when this image was read before with the same engine and languages. `settings.ocr` must not be off."""
    engine = _engine(settings)
    langs = tuple(settings.ocr_langs)
    engine.check_langs(langs)
    cache = OcrCache.at(settings.ocr_cache)
    key = cache.key(png, settings.ocr, engine.fingerprint(langs)) if cache else ""
    pieces = cache.get(key) if cache else None
    if pieces is None:
        pieces = engine.read(png, langs)
        if cache:
            cache.put(key, pieces)
    return pieces


def _engine(settings: Settings):
    if not settings.ocr_langs:
        raise IngestError("no OCR language set; set PAGELENS_OCR_LANGS (e.g. eng or eng,deu)")
    return ENGINES[settings.ocr]


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
        box = (
            min(p.box[0] for p in line),
            min(p.box[1] for p in line),
            max(p.box[2] for p in line),
            max(p.box[3] for p in line),
        )
        merged.append(OcrLine(" ".join(p.text for p in line), box))
    return merged
