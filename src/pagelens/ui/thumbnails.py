"""Page images with the cited region highlighted, drawn on a cached copy (the library's page PNG is untouched).

The highlight is a translucent fill over the region grown by a padding, outlined outside that padding, so
the cited lines stay readable (a tight opaque box struck through the first and last line).
The copies live in one cache folder that the app serves next to the page images; a copy's name is a hash of
the source file's path, size and mtime plus the box, so a re-ingested page gets a fresh copy.
"""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

from PIL import Image, ImageDraw

from ..types import Box

HIGHLIGHT_FILL = (255, 200, 0, 70)  # RGBA: translucent amber over the text
HIGHLIGHT_EDGE = (230, 120, 0, 220)
PADDING_SHARE = 0.012  # of the page's longer side, added around the region
STYLE_VERSION = 2  # part of a copy's name: a new highlight style never reuses old copies
# a cited page's thumbnail: the page's width by this share of it in height around the cited region (the
# cited pages' strip is 150 px high with cells of about 4:3, which show a whole page's top, rarely its passage)
PASSAGE_WINDOW = 0.75


def padded(box: Box, size: tuple[int, int]) -> tuple[float, float, float, float]:
    """The region grown by the padding on every side, clamped to the page."""
    pad = max(size) * PADDING_SHARE
    x0, y0, x1, y1 = box
    return _clamp((x0 - pad, y0 - pad, x1 + pad, y1 + pad), size)


def boxed_page(image_path: str | Path, box: Box | None, cache_dir: Path, window: float = 0.0) -> Path:
    """A copy of the page PNG with `box` (page-image pixels) highlighted; the page itself when there is no box.
    With a `window` (height / width), the copy is cut to the page's width and that height around the box."""
    source = Path(image_path)
    if box is None:
        return source
    stat = source.stat()
    fingerprint = (
        f"{source.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{tuple(round(v, 1) for v in box)}"
        f"|{STYLE_VERSION}|{window}"
    )
    target = cache_dir / f"{hashlib.sha256(fingerprint.encode()).hexdigest()[:32]}.png"
    if target.exists():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    with Image.open(source) as page:
        image = page.convert("RGBA")
    area = padded(box, image.size)
    width = max(2, round(max(image.size) / 500))
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    ImageDraw.Draw(overlay).rounded_rectangle(
        area, radius=width * 3, fill=HIGHLIGHT_FILL, outline=HIGHLIGHT_EDGE, width=width
    )
    image = Image.alpha_composite(image, overlay).convert("RGB")
    if window:
        image = image.crop(_around(area, image.size, window))
    # a partial file of this call's own: two requests drawing the same copy at once (the app serves
    # requests concurrently) must not write into, or move away, each other's partial file
    partial = target.with_suffix(f".{uuid.uuid4().hex}.tmp.png")
    try:
        image.save(partial, optimize=False)
        partial.replace(target)  # atomic: a concurrent reader never sees half a file
    finally:
        partial.unlink(missing_ok=True)
    return target


def _around(area: Box, size: tuple[int, int], window: float) -> tuple[int, int, int, int]:
    """The page's full width by `window` of it in height, centred on the area (from its top when the area is
    taller), within the page; the whole page when it is not taller than that."""
    width, height = size
    tall = min(height, max(1, round(width * window)))
    top = min(max(0.0, min((area[1] + area[3] - tall) / 2, area[1])), height - tall)
    return 0, round(top), width, round(top) + tall


def _clamp(box: Box, size: tuple[int, int]) -> tuple[float, float, float, float]:
    width, height = size
    x0, y0, x1, y1 = box
    x0, x1 = sorted((min(max(x0, 0), width - 1), min(max(x1, 0), width - 1)))
    y0, y1 = sorted((min(max(y0, 0), height - 1), min(max(y1, 0), height - 1)))
    return x0, y0, x1, y1
