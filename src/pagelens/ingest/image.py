"""Image files (PNG, JPEG, TIFF, WebP, GIF, BMP): one page; the screenshot is the image scaled to the
long-side cap; text by OCR. The pixel limit is checked from the header before anything is decoded."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable

from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import IngestError
from ..types import Page
from .job import RenderJob
from .ocr import ocr_page


def render_image_file(
    job: RenderJob, on_count: Callable[[int], None], on_page: Callable[[], None]
) -> list[Page]:
    """An image file as one page (never split into ranges: formats.py)."""
    on_count(1)
    pages = render_image(job)
    on_page()
    return pages


def render_image(job: RenderJob) -> list[Page]:
    settings = job.settings
    limit = settings.max_page_pixels
    Image.MAX_IMAGE_PIXELS = None  # our own limit below, checked before decoding, replaces Pillow's
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            image = Image.open(job.path)
    except (UnidentifiedImageError, OSError, ValueError) as err:
        raise IngestError(
            f"the image is damaged or in an unsupported format ({err}); "
            "convert it to PNG or JPEG and add it again"
        ) from err
    with image:
        width, height = image.size
        if width * height > limit:
            raise IngestError(
                f"the image is {width}x{height} = {width * height:,} pixels, more than the "
                f"max_page_pixels limit of {limit:,} (a possible decompression bomb); "
                "shrink it, "
                f"or raise the limit with PAGELENS_MAX_PAGE_PIXELS={width * height}"
            )
        try:
            image.draft("RGB", (settings.render_long_side, settings.render_long_side))  # JPEG: decode smaller
            screenshot = ImageOps.exif_transpose(image)
            cap = settings.render_long_side
            screenshot.thumbnail((cap, cap), Image.Resampling.LANCZOS)
            screenshot = screenshot.convert("RGB")
        except (OSError, ValueError, SyntaxError) as err:
            raise IngestError(
                f"the image data is damaged ({err}); re-save the image and add it again"
            ) from err
    job.out_dir.mkdir(parents=True, exist_ok=True)
    png = job.png_path(1)
    partial = png.with_suffix(".png.part")
    screenshot.save(partial, format="PNG", compress_level=1)
    os.replace(partial, png)
    ocr = ocr_page(png, settings)
    return [
        Page(
            doc_id=job.doc_id,
            doc=job.name,
            page=1,
            image_path=str(png),
            width=screenshot.width,
            height=screenshot.height,
            text=ocr.text,
            text_source="ocr" if ocr.text else "none",
            regions=ocr.regions,
        )
    ]
