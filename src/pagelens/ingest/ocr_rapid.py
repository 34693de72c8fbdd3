"""OCR with rapidocr: PP-OCRv6 detection and recognition models that ship inside the wheel (no download).

Settings measured on the 1500 px dev scans (2-core machine): detection on the image downscaled to a
960 px long side reads the same text as full size at about half the detection cost; recognition
dominates what is left (every line is resized to 48 px high, so downscaling cannot help it). The
180-degree classifier is skipped (rendered pages are upright). One intra-op thread per process:
pagelens runs one worker process per core.
"""

from __future__ import annotations

import functools
import json
from importlib import metadata
from pathlib import Path

from ..errors import IngestError
from .ocr_types import OcrLine

# Everything below changes what the engine reads, so it is part of the OCR cache key (see ocr.py).
PARAMS = {
    "Global.log_level": "error",
    "Global.use_cls": False,
    "Det.limit_type": "max",
    "Det.limit_side_len": 960,
    "EngineConfig.onnxruntime.intra_op_num_threads": 1,
}
LANGS = frozenset({"eng", "chi_sim"})  # the bundled "ch" recognition model reads Chinese and English


def check_langs(langs: tuple[str, ...]) -> None:
    missing = [lang for lang in langs if lang not in LANGS]
    if missing:
        raise IngestError(
            f"OCR language(s) {', '.join(missing)} are not available with rapidocr, whose "
            f"bundled models read only {', '.join(sorted(LANGS))}; set PAGELENS_OCR=tesseract "
            "(with its language packs) or change PAGELENS_OCR_LANGS"
        )


def fingerprint(langs: tuple[str, ...]) -> str:
    """Everything that decides what this engine reads (for the OCR cache key)."""
    return json.dumps(["rapidocr", metadata.version("rapidocr"), PARAMS, list(langs)], sort_keys=True)


@functools.cache
def _engine():
    """Loaded once per process: loading costs about a second, each page several."""
    from rapidocr import RapidOCR

    return RapidOCR(params=PARAMS)


def read(png: Path, langs: tuple[str, ...]) -> list[OcrLine]:
    check_langs(langs)
    result = _engine()(png.read_bytes())
    if result.boxes is None or result.txts is None:
        return []
    pieces = []
    for quad, text in zip(result.boxes, result.txts):
        xs, ys = [float(x) for x, _ in quad], [float(y) for _, y in quad]
        if text.strip():
            pieces.append(OcrLine(text.strip(), (min(xs), min(ys), max(xs), max(ys))))
    return pieces
