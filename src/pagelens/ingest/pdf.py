"""PDF (and laid-out HTML) documents: open with the limits checked, then render each page to a Page.

A PDF MuPDF had to repair (a truncated download, a broken cross-reference table) is checked page by page:
when a page object or a page's content stream is missing or cut short, the file fails with a message naming
those pages (MuPDF would render them blank or half-drawn, and an "added" outcome would hide that). A
repaired file whose pages are all whole is added as usual.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pymupdf

from ..errors import IngestError
from ..types import Page, TextSource
from .figure_text import read_figures
from .job import RenderJob
from .layout import TEXTPAGE_FLAGS, page_regions
from .looks import page_looks
from .ocr import ocr_page
from .png import PngWriter


def render_pdf(job: RenderJob, on_count: Callable[[int], None], on_page: Callable[[], None]) -> list[Page]:
    """A PDF's pages; its text layer is the pages' text (OCR where it is missing)."""
    return render_document(open_pdf(job), job, "layer", on_count, on_page)


def render_printed_html(
    job: RenderJob, on_count: Callable[[int], None], on_page: Callable[[], None]
) -> list[Page]:
    """A PDF that Chromium printed from an HTML file (chromium.py): its pages' text counts as "html"."""
    return render_document(open_pdf(job), job, "html", on_count, on_page)


def render_document(
    doc: pymupdf.Document,
    job: RenderJob,
    text_source: TextSource,
    on_count: Callable[[int], None],
    on_page: Callable[[], None],
) -> list[Page]:
    """The pages of the job's range of a document MuPDF opened or laid out (every kind but images ends
    here), closing it; the renderer contract of formats.py."""
    with doc:
        total = check_page_count(doc, job)
        first, last = job.pages or (1, total)
        if not 1 <= first <= last <= total:
            raise IngestError(f"pages {first}-{last} asked of a document with {total} pages")
        on_count(last - first + 1)
        if job.count_only:
            return []
        pages = []
        for page in render_pages(doc, job, text_source, range(first - 1, last)):
            pages.append(page)
            on_page()
        return pages


def open_pdf(job: RenderJob) -> pymupdf.Document:
    try:
        doc = pymupdf.open(job.path, filetype="pdf")
    except Exception as err:  # MuPDF raises its own error types for broken files
        raise IngestError(
            f"the PDF is damaged and cannot be opened ({err}); re-export or repair it "
            "(e.g. print it to a new PDF) and add it again"
        ) from err
    if doc.needs_pass:
        raise IngestError(
            "the PDF is password-protected (encrypted); save an unprotected copy and add that instead"
        )
    return doc


def check_page_count(doc: pymupdf.Document, job: RenderJob) -> int:
    try:
        count = doc.page_count
    except Exception as err:
        raise IngestError(f"the PDF's page tree is damaged ({err}); repair or re-export the file") from err
    if count == 0 and doc.is_repaired:
        raise IngestError(
            "the PDF is damaged or truncated (no readable pages could be recovered); "
            "download or export it again and add the complete file"
        )
    if count == 0:
        raise IngestError("the document has no pages; nothing to add")
    missing = incomplete_pages(doc)
    if missing:
        raise IngestError(
            f"the PDF is truncated or damaged: {_page_list(missing)} of {count} "
            f"{'is' if len(missing) == 1 else 'are'} missing or cut short; "
            "download or export it again and add the complete file"
        )
    limit = job.settings.max_pages_per_file
    if count > limit:
        raise IngestError(
            f"the document has {count} pages, more than the max_pages_per_file limit "
            f"of {limit}; "
            f"split it, or raise the limit with PAGELENS_MAX_PAGES_PER_FILE={count}"
        )
    return count


def incomplete_pages(doc: pymupdf.Document) -> list[int]:
    """1-based numbers of the pages of a repaired PDF whose page object is gone or whose content stream
    cannot be decoded whole (MuPDF warns, e.g. "premature end of data"); [] for a PDF that needed no repair."""
    if not doc.is_repaired:
        return []
    missing = []
    for index in range(doc.page_count):
        try:
            page = doc.load_page(index)
            doc.xref_object(page.xref)  # raises for a page object lost with the cut-off tail
            pymupdf.TOOLS.mupdf_warnings(reset=True)
            for xref in page.get_contents():
                doc.xref_stream(xref)
            whole = not pymupdf.TOOLS.mupdf_warnings(reset=True)
        except Exception:  # MuPDF's own error types for objects it cannot read
            whole = False
        if not whole:
            missing.append(index + 1)
    return missing


def _page_list(numbers: list[int], shown: int = 10) -> str:
    label = ", ".join(str(n) for n in numbers[:shown])
    more = f" and {len(numbers) - shown} more" if len(numbers) > shown else ""
    return f"page{'s' if len(numbers) > 1 else ''} {label}{more}"


def render_pages(
    doc: pymupdf.Document, job: RenderJob, text_source: TextSource, indices: range | None = None
) -> Iterator[Page]:
    """Render pages (0-based `indices`, default all) to `job.png_path(n)`; text from the text layer,
    OCR when it is missing."""
    job.out_dir.mkdir(parents=True, exist_ok=True)
    with PngWriter() as writer:
        for index in indices if indices is not None else range(doc.page_count):
            try:
                yield _render_page(doc.load_page(index), index + 1, job, text_source, writer)
            except IngestError:
                raise
            except Exception as err:
                raise IngestError(
                    f"page {index + 1} cannot be rendered ({err}); "
                    "the file is probably damaged; "
                    "repair or re-export it"
                ) from err


def _render_page(
    page: pymupdf.Page, number: int, job: RenderJob, text_source: TextSource, writer: PngWriter
) -> Page:
    settings = job.settings
    rect = page.rect
    if rect.is_empty or rect.is_infinite:
        raise IngestError(f"page {number} has an empty or invalid size ({rect})")
    zoom = settings.render_long_side / max(rect.width, rect.height)
    pixmap = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), alpha=False)
    png = job.png_path(number)
    writer.submit(pixmap, png)
    to_pixels = page.rotation_matrix * pymupdf.Matrix(zoom, zoom)
    textpage = page.get_textpage(flags=TEXTPAGE_FLAGS)
    text = textpage.extractText().strip()
    regions = page_regions(page, textpage, to_pixels, (pixmap.width, pixmap.height), settings)
    looks, title = (
        ([], "") if not settings.looks else page_looks(page, textpage, pixmap, to_pixels, regions, number)
    )
    if len(text) < settings.ocr_min_chars and text_source == "layer" and settings.ocr != "off":
        writer.wait(png)
        ocr = ocr_page(png, settings)
        if ocr.text:
            text, text_source = ocr.text, "ocr"
            regions = [r for r in regions if r.kind != "text"] + ocr.regions
    elif text_source == "layer":
        regions, looks = read_figures(page, textpage, to_pixels, regions, looks, settings)
    if not text and text_source == "layer":
        text_source = "none"
    return Page(
        doc_id=job.doc_id,
        doc=job.name,
        page=number,
        image_path=str(png),
        width=pixmap.width,
        height=pixmap.height,
        text=text,
        text_source=text_source,
        regions=regions,
        looks=looks,
        title=title,
    )
