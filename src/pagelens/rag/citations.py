"""Citation labels `[doc p.N]`: finding them in model output and keeping only pages that were shown.

A model may write `[r-intro.pdf p.12]`, `[r-intro.pdf, p. 12]`, `[r-intro.pdf page 12]` or cite several
pages in one bracket (`[a.pdf p.3; b.pdf p.4]`); all are read. A label naming a page the answerer was not
shown is dropped and reported, never turned into a citation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_BRACKET = re.compile(r"\[([^\[\]]{1,300})\]")
# "p." or "page" after a space or comma: "[booktabs-page2.png p.1]" is page 1 of booktabs-page2.png
_ONE = re.compile(r"(?P<doc>[^;,\[\]]+?)(?:\s*,\s*|\s+)(?:pp?\.|page)\s*(?P<page>\d{1,6})", re.IGNORECASE)


def normalise_label(doc: str, page: int) -> str:
    return f"{doc.strip().lower()}|{int(page)}"


@dataclass
class LabelScan:
    valid: list[str] = field(default_factory=list)  # normalised labels of shown pages, in order of use
    unknown: list[str] = field(default_factory=list)  # labels as written that name pages not shown


def find_labels(text: str) -> list[tuple[str, int, str]]:
    """(doc, page, label as written) for every page label in text."""
    found: list[tuple[str, int, str]] = []
    for bracket in _BRACKET.finditer(text):
        for match in _ONE.finditer(bracket.group(1)):
            doc = match.group("doc").strip()
            written = (
                bracket.group(0) if match.group(0).strip() == bracket.group(1).strip() else match.group(0)
            )
            found.append((doc, int(match.group("page")), written))
    return found


def scan_labels(text: str, shown: set[str]) -> LabelScan:
    """Split the labels in text into those naming shown pages (normalised) and the rest (as written)."""
    scan = LabelScan()
    for doc, page, written in find_labels(text):
        label = normalise_label(doc, page)
        if label in shown:
            if label not in scan.valid:
                scan.valid.append(label)
        elif written not in scan.unknown:
            scan.unknown.append(written)
    return scan


def strip_labels(text: str, labels: list[str]) -> str:
    """Remove the given written labels from text (used to drop citations of pages not shown)."""
    for label in labels:
        text = text.replace(label, "")
    return re.sub(r"[ \t]{2,}", " ", text).strip()
