"""Render Debian manual pages to PDF for the evaluation sets built from them (eval/xl, eval/nm).

Each page is rendered with `groff -man -rHY=0 -Tpdf -Kutf8`: -Kutf8 reads the UTF-8 source (umlauts,
accents), -rHY=0 turns hyphenation off so that no word of the text layer is split over two lines
("Bild-/schirminhalt"), which keeps the evidence phrases verbatim. gropdf stamps the time of the run into
/CreationDate and /ModDate; both are rewritten to the source file's modification time, in place and at the
same length (the cross-reference offsets stay valid), so two runs give byte-identical files. A file is only
rewritten when its bytes change.
"""

from __future__ import annotations

import gzip
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pymupdf

MAN = Path("/usr/share/man")

_DATE = re.compile(rb"/(CreationDate|ModDate) \(D:(\d{14})")


@dataclass(frozen=True)
class Page:
    """One manual page of a set: the PDF's name in docs/, its source under /usr/share/man, its package."""

    pdf: str
    source: str
    package: str


def render(page: Page) -> bytes:
    """The page as PDF bytes, its time stamps set to the source file's modification time."""
    src = MAN / page.source
    if not src.exists():
        sys.exit(f"build: {src} is missing: install Debian's {page.package}")
    run = subprocess.run(
        ["groff", "-man", "-rHY=0", "-Tpdf", "-Kutf8"],
        input=gzip.decompress(src.read_bytes()),
        capture_output=True,
    )
    if run.returncode != 0 or not run.stdout.startswith(b"%PDF"):
        sys.exit(
            f"build: groff failed on {src}: {run.stderr.decode(errors='replace').strip()}\n"
            "(groff-base has no PDF device: apt-get install groff)"
        )
    stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime(src.stat().st_mtime)).encode()
    return _DATE.sub(lambda m: b"/" + m[1] + b" (D:" + stamp, run.stdout)


def pdf_text(pdf: bytes) -> tuple[str, int]:
    """The text layer of the whole PDF and its page count."""
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        return "".join(p.get_text() for p in doc), doc.page_count


def build(pages: tuple[Page, ...], docs: Path, check_text: Callable[[str, str], None]) -> None:
    """Render every page into docs/; check_text(name, text) exits on a text layer the set cannot use."""
    docs.mkdir(exist_ok=True)
    for page in pages:
        pdf = render(page)
        text, count = pdf_text(pdf)
        if "\ufffd" in text:
            sys.exit(f"build: {page.pdf}: the text layer lost characters (U+FFFD)")
        check_text(page.pdf, text)
        out = docs / page.pdf
        same = out.exists() and out.read_bytes() == pdf
        if not same:
            out.write_bytes(pdf)
        print(f"{page.pdf}: {count} pages{' (unchanged)' if same else ''}")
