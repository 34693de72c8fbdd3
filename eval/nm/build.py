#!/usr/bin/env python3
"""Render the English near-miss set's manual pages to PDF in eval/nm/docs/.

Usage:  .venv/bin/python eval/nm/build.py        (needs Debian's groff for gropdf, and PyMuPDF)

The pages are English manual pages that Debian's packages install under /usr/share/man (tar, grep,
gzip, openssh-client, systemd, passwd, mount; MANIFEST.md names each file, its package and licence), so
the repository carries this script and the questions, not the PDFs. eval/manpages.py renders them
(groff without hyphenation, reproducible bytes).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from manpages import Page, build  # noqa: E402

DOCS = Path(__file__).resolve().parent / "docs"

PAGES = (
    Page("tar.pdf", "man1/tar.1.gz", "tar"),
    Page("grep.pdf", "man1/grep.1.gz", "grep"),
    Page("gzip.pdf", "man1/gzip.1.gz", "gzip"),
    Page("ssh_config.pdf", "man5/ssh_config.5.gz", "openssh-client"),
    Page("journald.conf.pdf", "man5/journald.conf.5.gz", "systemd"),
    Page("systemd.timer.pdf", "man5/systemd.timer.5.gz", "systemd"),
    Page("useradd.pdf", "man8/useradd.8.gz", "passwd"),
    Page("mount.pdf", "man8/mount.8.gz", "mount"),
)


def check_text(name: str, text: str) -> None:
    """Fails on a page with almost no text layer (a failed render)."""
    if len(text.split()) < 300:
        sys.exit(f"build: {name}: the text layer has under 300 words")


if __name__ == "__main__":
    build(PAGES, DOCS, check_text)
