"""The page texts pagelens gives an HTML file: its own layout (ingest/html.py) and text extraction flags.

Gold pages of eval/hd are these pages' 1-based numbers; build.py prints their count and check.py checks
every evidence phrase against them. A change to pagelens' HTML layout that moves the pages shows here.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from pagelens.ingest.html import open_html
from pagelens.ingest.layout import TEXTPAGE_FLAGS


def page_texts(path: Path) -> list[str]:
    """The text of each page of the HTML file at path, as ingest extracts it."""
    with open_html(SimpleNamespace(path=path)) as doc:
        return [page.get_textpage(flags=TEXTPAGE_FLAGS).extractText().strip() for page in doc]
