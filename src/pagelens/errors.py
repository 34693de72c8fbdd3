"""Every error pagelens raises on purpose, under one base class (chromadb's errors.py is the model).

Catch `PagelensError` to handle anything pagelens reports about its input, its environment or its state;
anything else escaping the API is a bug. Each class keeps the built-in exception that callers caught
before it existed (`ValueError` for bad input, `KeyError` for a missing document, ...) as a second base,
so `except ValueError` still works. This module imports nothing from pagelens: every layer may raise these.
"""

from __future__ import annotations


class PagelensError(Exception):
    """Base of every error pagelens raises on purpose; the CLI turns it into exit status 1."""


class SettingsError(PagelensError, ValueError):
    """A setting (env var, config or keyword) has a value pagelens cannot use; names the allowed ones."""


class QueryError(PagelensError, ValueError):
    """A search or question that cannot be run: empty, k <= 0, an unreadable or oversized image."""


class UnknownLaneError(PagelensError, ValueError):
    """A lane name that no lane family in the registry answers to."""


class MissingExtraError(PagelensError, ImportError):
    """A lane or backend needs an optional extra that is not installed; says how to install it."""


class ModelUnavailableError(PagelensError, RuntimeError):
    """Model weights that cannot be loaded (not cached and downloads off, or a bad folder)."""


class DocumentNotFoundError(PagelensError, KeyError):
    """No document of that name in the library."""

    def __str__(self) -> str:  # KeyError would print the message with quotes around it
        return str(self.args[0]) if self.args else ""


class LibraryLockedError(PagelensError, RuntimeError):
    """Another process holds the library's write lock."""


class ReadOnlyLibraryError(PagelensError, PermissionError):
    """The library's folder cannot be written (a read-only file system, or no write permission)."""


class StoreUnavailableError(PagelensError, ConnectionError):
    """The vector store (a `chroma run` server) cannot be reached."""


class FolderNotFoundError(PagelensError, NotADirectoryError):
    """A folder to sync (or watch) that does not exist or is not a folder."""


class ClusterError(PagelensError, ConnectionError):
    """A Ray cluster that cannot be reached (or a local one that cannot start) for distributed ingestion."""


class IngestError(PagelensError):
    """A file that cannot become pages; the message says why and what to do."""


class EvalSetError(PagelensError, ValueError):
    """A folder that is not an evaluation set, or a malformed record in one."""


class BackendError(PagelensError, RuntimeError):
    """An answering backend failed (server down, refused, garbage); the agent falls back to extractive."""
