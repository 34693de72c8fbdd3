#!/usr/bin/env python3
"""Check the English near-miss set against its rendered PDFs (run eval/nm/build.py first).

Usage:  .venv/bin/python eval/xl/check.py        (the checks: eval/setcheck.py)
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from setcheck import check  # noqa: E402

if __name__ == "__main__":
    check(Path(__file__).resolve().parent)
