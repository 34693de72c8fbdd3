"""One Chroma client per library: embedded (`<library>/chroma`) or a `chroma run` server (`chroma_url`).

chromadb quirks this wraps (checked with chromadb 1.5.9):
- every collection uses cosine space and `embedding_function=None` (the default embedder downloads a model);
- `add` with an existing id silently keeps the old record, so lanes `upsert` with deterministic page keys;
- `PersistentClient` is thread-safe but not process-safe: the library's write lock keeps one process per
  folder; several processes share one index only through a `chroma run` server (`HttpClient`);
- `HttpClient(...)` itself raises ValueError when the server is down (wrapped here as StoreUnavailableError).
On a server, many libraries can share one Chroma: each library's collections carry its own prefix
(`namespace`), so lanes name collections as if they were alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

import chromadb
from chromadb.config import Settings as ChromaSettings

from ..errors import SettingsError, StoreUnavailableError

COSINE = {"hnsw": {"space": "cosine"}}


class ChromaHandle:
    """The Chroma client a library (and each of its lanes) uses.

    `scoped()` gives a lane its own view of the same client that remembers which collections the lane
    opened, so that a lane whose model changed can have exactly its collections dropped.
    """

    def __init__(self, client: "chromadb.api.ClientAPI", *, location: str, namespace: str = "") -> None:
        self.client = client
        self.location = location  # folder or URL, for messages
        self.namespace = namespace  # prefix of this library's collection names on a shared server
        self.used: set[str] = set()  # collection names as the lanes gave them (without the namespace)

    @classmethod
    def open(cls, *, folder: Path, url: str = "", namespace: str = "") -> "ChromaHandle":
        """Embedded Chroma in `folder` (no namespace needed), or the server at `url` with `namespace`."""
        telemetry_off = ChromaSettings(anonymized_telemetry=False)
        if not url:
            folder.mkdir(parents=True, exist_ok=True)
            return cls(
                chromadb.PersistentClient(path=str(folder), settings=telemetry_off), location=str(folder)
            )
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise SettingsError(f"chroma_url must look like http://host:port, got {url!r}")
        try:
            client = chromadb.HttpClient(
                host=parts.hostname,
                port=parts.port or (443 if parts.scheme == "https" else 80),
                ssl=parts.scheme == "https",
                settings=telemetry_off,
            )
            client.heartbeat()
        except Exception as err:  # noqa: BLE001 - chromadb raises ValueError or transport errors
            raise StoreUnavailableError(f"cannot reach the Chroma server at {url}: {err}") from err
        return cls(client, location=url, namespace=namespace)

    def scoped(self) -> "ChromaHandle":
        """A view of the same client with its own record of collections used."""
        return ChromaHandle(self.client, location=self.location, namespace=self.namespace)

    def collection(self, name: str, *, metadata: dict | None = None):
        """Get or create a cosine-space collection with no embedding function (callers bring vectors)."""
        self.used.add(name)
        return self.client.get_or_create_collection(
            self.namespace + name, configuration=COSINE, metadata=metadata or None, embedding_function=None
        )

    def delete_collection(self, name: str) -> None:
        """Drop a collection; a missing one is not an error."""
        self.used.discard(name)
        if name in self.collection_names():
            self.client.delete_collection(self.namespace + name)

    def collection_names(self) -> list[str]:
        """This library's collections (names without the namespace)."""
        names = (c if isinstance(c, str) else c.name for c in self.client.list_collections())
        return [name[len(self.namespace) :] for name in names if name.startswith(self.namespace)]

    @property
    def max_batch(self) -> int:
        return int(self.client.get_max_batch_size())


class UnavailableChroma:
    """Stands in for the Chroma handle of a read-only library whose vectors are in embedded Chroma.

    Embedded Chroma is one process's: a second process reading it while the writer writes gets internal
    errors (checked with chromadb 1.5: "Error finding id" during concurrent upserts), so a reader process
    does not open it. Every use raises StoreUnavailableError with the reason and the way out.
    """

    def __init__(self, why: str) -> None:
        self.reason = f"this library's vectors are in its embedded Chroma, {why}"
        self.used: set[str] = set()

    def scoped(self) -> "UnavailableChroma":
        return self

    def __getattr__(self, name: str):
        raise StoreUnavailableError(self.reason)


def delete_documents(collection, doc_ids: Sequence[str]) -> None:
    """Every record of these documents from a lane's Chroma collection."""
    if doc_ids:
        collection.delete(where={"doc_id": {"$in": list(doc_ids)}})
