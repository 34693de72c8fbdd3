#!/usr/bin/env python3
"""Render the crosslingual check set's German and French manual pages to PDF in eval/xl/docs/.

Usage:  .venv/bin/python eval/xl/build.py        (needs Debian's groff for gropdf, and PyMuPDF)

The pages are the translations Debian's own packages install under /usr/share/man/{de,fr}
(apt, dpkg, adduser, procps, psmisc; MANIFEST.md names each file, its package and licence), so the
repository carries this script and the questions, not the PDFs. Each page is rendered with
`groff -man -rHY=0 -Tpdf -Kutf8`: -Kutf8 reads the UTF-8 source (umlauts, accents), -rHY=0 turns
hyphenation off so that no word of the text layer is split over two lines ("Bild-/schirminhalt"),
which keeps the evidence phrases verbatim. gropdf stamps the time of the run into /CreationDate and
/ModDate; both are rewritten to the source file's modification time, in place and at the same length
(the cross-reference offsets stay valid), so two runs give byte-identical files. A file is only
rewritten when its bytes change.
"""

from __future__ import annotations

import gzip
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pymupdf

MAN = Path("/usr/share/man")
DOCS = Path(__file__).resolve().parent / "docs"


@dataclass(frozen=True)
class Page:
    """One manual page of the set: the PDF's name in docs/, its source under /usr/share/man, its package."""

    pdf: str
    source: str
    package: str


PAGES = (
    Page("apt-get.de.pdf", "de/man8/apt-get.8.gz", "apt"),
    Page("start-stop-daemon.de.pdf", "de/man8/start-stop-daemon.8.gz", "dpkg"),
    Page("adduser.de.pdf", "de/man8/adduser.8.gz", "adduser"),
    Page("watch.de.pdf", "de/man1/watch.1.gz", "procps"),
    Page("dpkg.fr.pdf", "fr/man1/dpkg.1.gz", "dpkg"),
    Page("sources.list.fr.pdf", "fr/man5/sources.list.5.gz", "apt"),
    Page("update-alternatives.fr.pdf", "fr/man1/update-alternatives.1.gz", "dpkg"),
    Page("fuser.fr.pdf", "fr/man1/fuser.1.gz", "psmisc"),
)

_DATE = re.compile(rb"/(CreationDate|ModDate) \(D:(\d{14})")


def render(page: Page) -> bytes:
    """The page as PDF bytes, its time stamps set to the source file's modification time."""
    src = MAN / page.source
    if not src.exists():
        sys.exit(f"build: {src} is missing: install Debian's {page.package} (with its translations)")
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


def check_text(name: str, pdf: bytes) -> int:
    """The page count; fails when the text layer lost characters (U+FFFD) or has no non-ASCII letter."""
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        text = "".join(p.get_text() for p in doc)
        pages = doc.page_count
    if "\ufffd" in text or not any(c.isalpha() and not c.isascii() for c in text):
        sys.exit(f"build: {name}: the text layer lost its umlauts/accents (groff without -Kutf8?)")
    return pages


def main() -> None:
    DOCS.mkdir(exist_ok=True)
    for page in PAGES:
        pdf = render(page)
        pages = check_text(page.pdf, pdf)
        out = DOCS / page.pdf
        same = out.exists() and out.read_bytes() == pdf
        if not same:
            out.write_bytes(pdf)
        print(f"{page.pdf}: {pages} pages{' (unchanged)' if same else ''}")


if __name__ == "__main__":
    main()
