#!/usr/bin/env python3
"""Check the HTML set against the pages pagelens lays its documents out on (run eval/hd/build.py first).

Usage:  .venv/bin/python eval/hd/check.py        (the checks: eval/setcheck.py; the pages: htmlpages.py)
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]
from htmlpages import page_texts  # noqa: E402
from setcheck import check  # noqa: E402

if __name__ == "__main__":
    docs = sorted((HERE / "docs").glob("*.html"))
    if not docs:
        sys.exit(f"check: {HERE / 'docs'} has no HTML files: run {HERE / 'build.py'} first")
    check(HERE, {doc.name: page_texts(doc) for doc in docs})
