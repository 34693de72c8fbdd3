"""The one exception ingestion raises for a file it cannot turn into pages."""

from __future__ import annotations


class IngestError(Exception):
    """A file could not be ingested. The message says what was wrong and what the user can do."""
