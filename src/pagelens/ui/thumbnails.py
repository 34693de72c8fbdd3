"""Page images with the cited region boxed, drawn on a cached copy (the page PNG in the library is never touched).

The copies live in one cache folder that the app serves next to the page images; a copy's name is a hash of
the source file's path, size and mtime plus the box, so a re-ingested page gets a fresh copy.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from PIL import Image, ImageDraw

from ..types import Box

BOX_COLOUR = (230, 57, 70)


def boxed_page(image_path: str | Path, box: Box | None, cache_dir: Path) -> Path:
    """A copy of the page PNG with `box` (page-image pixels) outlined; the page itself when there is no box."""
    source = Path(image_path)
    if box is None:
        return source
    stat = source.stat()
    fingerprint = f"{source.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{tuple(round(v, 1) for v in box)}"
    target = cache_dir / f"{hashlib.sha256(fingerprint.encode()).hexdigest()[:32]}.png"
    if target.exists():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    with Image.open(source) as page:
        image = page.convert("RGB")
    x0, y0, x1, y1 = _clamp(box, image.size)
    width = max(3, round(max(image.size) / 300))
    ImageDraw.Draw(image).rectangle((x0, y0, x1, y1), outline=BOX_COLOUR, width=width)
    partial = target.with_suffix(".tmp.png")
    image.save(partial, optimize=False)
    partial.replace(target)  # atomic: a concurrent reader never sees half a file
    return target


def _clamp(box: Box, size: tuple[int, int]) -> tuple[float, float, float, float]:
    width, height = size
    x0, y0, x1, y1 = box
    x0, x1 = sorted((min(max(x0, 0), width - 1), min(max(x1, 0), width - 1)))
    y0, y1 = sorted((min(max(y0, 0), height - 1), min(max(y1, 0), height - 1)))
    return x0, y0, x1, y1
