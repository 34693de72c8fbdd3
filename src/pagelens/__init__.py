"""pagelens: multimodal document retrieval and question answering with cited pages.

The public API is what this module exports; nothing else is promised.
"""

from .config import Settings
from .errors import PagelensError
from .library import Library
from .types import (
    AddProgress,
    AddReport,
    Answer,
    Citation,
    DocumentInfo,
    FileOutcome,
    Hit,
    Page,
    Region,
    Step,
)

__all__ = [
    "AddProgress",
    "AddReport",
    "Answer",
    "Citation",
    "DocumentInfo",
    "FileOutcome",
    "Hit",
    "Library",
    "PagelensError",
    "Page",
    "Region",
    "Settings",
    "Step",
]
__version__ = "0.1.0"
