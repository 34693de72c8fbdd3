#!/usr/bin/env python3
"""Copy the HTML set's documents into eval/hd/docs/, with the stylesheets and images they link to.

Usage:  .venv/bin/python eval/hd/build.py        (needs the Debian packages named below, and PyMuPDF)

The documents are HTML documentation that Debian's packages install under /usr/share/doc (valgrind,
time, fontconfig, nodejs, base-passwd, shared-mime-info, zlib1g-dev, libffi-dev; MANIFEST.md names each
file, its package, version and licence), so the repository carries this script and the questions, not
the files. Each is copied unchanged under a name that says what it is; its linked stylesheets and images
keep their relative paths (docs/images/, docs/assets/), where the evaluation does not take them for
documents. A file is only rewritten when its bytes change. The page counts printed are those of
pagelens' own HTML layout (htmlpages.py), the pages the gold page numbers refer to.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from htmlpages import page_texts  # noqa: E402

DOCS = Path(__file__).resolve().parent / "docs"
SHARE = Path("/usr/share/doc")


@dataclass(frozen=True)
class Doc:
    """One document of the set: its name in docs/, its source under /usr/share/doc, its package, and the
    files it links to (paths relative to the source's folder, kept relative in docs/)."""

    name: str
    source: str
    package: str
    linked: tuple[str, ...] = ()


DOCUMENTS = (
    Doc(
        "valgrind-massif.html",
        "valgrind/html/ms-manual.html",
        "valgrind",
        ("vg_basic.css", "images/home.png", "images/next.png", "images/prev.png", "images/up.png"),
    ),
    Doc("gnu-time.html", "time/time.html", "time"),
    Doc("fontconfig-user.html", "fontconfig/fontconfig-user.html", "fontconfig"),
    Doc("node-path.html", "nodejs/api/path.html", "nodejs", ("assets/style.css", "assets/hljs.css")),
    Doc("debian-users-and-groups.html", "base-passwd/users-and-groups.html", "base-passwd"),
    Doc(
        "shared-mime-info-spec.html",
        "shared-mime-info/shared-mime-info-spec.html/x34.html",
        "shared-mime-info",
    ),
    Doc("zlib-usage-example.html", "zlib1g-dev/examples/zlib_how.html", "zlib1g-dev"),
    Doc("libffi-basics.html", "libffi8/html/The-Basics.html", "libffi-dev"),
)


def copy(source: Path, target: Path, package: str) -> bool:
    """Copy source to target unless the bytes are already there; True when written."""
    if not source.is_file():
        sys.exit(f"build: {source} is missing: install Debian's {package}")
    data = source.read_bytes()
    if target.exists() and target.read_bytes() == data:
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return True


if __name__ == "__main__":
    DOCS.mkdir(exist_ok=True)
    for doc in DOCUMENTS:
        source = SHARE / doc.source
        written = copy(source, DOCS / doc.name, doc.package)
        for link in doc.linked:
            copy(source.parent / link, DOCS / link, doc.package)
        pages = page_texts(DOCS / doc.name)
        if sum(len(text.split()) for text in pages) < 500:
            sys.exit(f"build: {doc.name}: the laid-out pages have under 500 words")
        print(f"{doc.name}: {len(pages)} pages{'' if written else ' (unchanged)'}")
