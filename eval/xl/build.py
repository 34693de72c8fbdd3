#!/usr/bin/env python3
"""Render the crosslingual check set's German and French manual pages to PDF in eval/xl/docs/.

Usage:  .venv/bin/python eval/xl/build.py        (needs Debian's groff for gropdf, and PyMuPDF)

The pages are the translations Debian's own packages install under /usr/share/man/{de,fr}
(apt, dpkg, adduser, procps, psmisc; MANIFEST.md names each file, its package and licence), so the
repository carries this script and the questions, not the PDFs. eval/manpages.py renders them
(groff -Kutf8 without hyphenation, reproducible bytes).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from manpages import Page, build  # noqa: E402

DOCS = Path(__file__).resolve().parent / "docs"

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


def check_text(name: str, text: str) -> None:
    """Fails when the text layer has no non-ASCII letter: the umlauts and accents were lost."""
    if not any(c.isalpha() and not c.isascii() for c in text):
        sys.exit(f"build: {name}: the text layer lost its umlauts/accents (groff without -Kutf8?)")


if __name__ == "__main__":
    build(PAGES, DOCS, check_text)
