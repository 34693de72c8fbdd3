"""The library's catalog: documents, pages and lanes in one SQLite file (`<library>/catalog.sqlite`, WAL).

The catalog is the source of truth a search result is built from (lanes only return page keys) and the
ledger that makes `add` crash-safe: a document is written as `pending`, becomes `complete` only once every
lane holds its pages, and anything still `pending` when a library opens is cleaned from every lane.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..types import DocumentInfo, Look, Page, Region

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    kind TEXT NOT NULL,
    pages INTEGER NOT NULL DEFAULT 0,
    source TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime REAL NOT NULL,
    added_at TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'complete'))
);
CREATE INDEX IF NOT EXISTS documents_name ON documents(name);
CREATE TABLE IF NOT EXISTS pages (
    key TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    page INTEGER NOT NULL,
    image_path TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    text TEXT NOT NULL,
    text_source TEXT NOT NULL,
    regions TEXT NOT NULL,
    looks TEXT NOT NULL DEFAULT '{}',
    language TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS pages_doc ON pages(doc_id, page);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS lanes (
    name TEXT PRIMARY KEY,
    spec TEXT NOT NULL,
    collections TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class DocumentRow:
    doc_id: str
    name: str
    content_hash: str
    kind: str
    pages: int
    source: str
    size: int
    mtime: float
    added_at: str
    status: str

    def info(self) -> DocumentInfo:
        return DocumentInfo(
            name=self.name,
            doc_id=self.doc_id,
            pages=self.pages,
            kind=self.kind,
            added_at=self.added_at,
            status=self.status,
            source=self.source,
            content_hash=self.content_hash,
        )


@dataclass(frozen=True)
class LaneRecord:
    name: str
    spec: dict
    collections: list[str]


class Catalog:
    """Thread-safe access to the catalog file (one connection, serialised by a lock).

    Other processes may read the same file while one writes (WAL): a catalog opened with `writable=False`
    (a library opened while another process holds the write lock) never writes, and sees a writer's
    transaction only once it has committed. Cached counts follow other processes' commits through
    SQLite's `data_version`.
    """

    def __init__(self, path: Path, library: Path, *, read_only: bool = False, writable: bool = True) -> None:
        """`read_only`: a library on a read-only medium or without write permission, opened as an immutable
        file (SQLite writes nothing, not even its WAL index), for listing and reading only."""
        self.library = library
        if read_only:
            self._db = sqlite3.connect(
                f"{Path(path).resolve().as_uri()}?immutable=1",
                uri=True,
                check_same_thread=False,
                isolation_level=None,
            )
        else:
            self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
            self._db.execute(
                "PRAGMA busy_timeout = 30000"
            )  # a writer's transactions are short; wait them out
            self._db.execute("PRAGMA foreign_keys=ON")
        if writable and not read_only:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(pages)")}
        # made before pages had looks or a language: none until re-added (the text lane detects languages)
        for column, default in (("looks", "'{}'"), ("language", "''")):
            if column not in columns and not read_only:
                self._db.execute(f"ALTER TABLE pages ADD COLUMN {column} TEXT NOT NULL DEFAULT {default}")
        # a read-only library made before reads them as none
        self._page_columns = self._PAGE_COLUMNS
        for column, default in (("looks", "'{}'"), ("language", "''")):
            if column not in columns and read_only:
                self._page_columns = self._page_columns.replace(f"p.{column}", default)
        self._lock = threading.RLock()
        self._page_count: tuple[int, int] | None = None  # (data_version, pages of complete documents)
        self._languages: tuple[int, dict[str, int]] | None = None  # (data_version, pages per language)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # documents -------------------------------------------------------------------------------------
    def _documents(self, where: str, args: Sequence = ()) -> list[DocumentRow]:
        with self._lock:
            rows = self._db.execute(
                f"SELECT {', '.join(DocumentRow.__dataclass_fields__)} FROM documents "
                f"WHERE {where} ORDER BY name, added_at",
                args,
            ).fetchall()
        return [DocumentRow(*row) for row in rows]

    def document(self, name: str) -> DocumentRow | None:
        """The complete document called `name`, if any."""
        rows = self._documents("name = ? AND status = 'complete'", (name,))
        return rows[0] if rows else None

    def document_with_content(self, content_hash: str) -> DocumentRow | None:
        """A complete document whose file had these bytes (sha256), if any (the first by name)."""
        rows = self._documents("content_hash = ? AND status = 'complete'", (content_hash,))
        return rows[0] if rows else None

    def has_document_id(self, doc_id: str) -> bool:
        """Whether any document (complete or pending) has this id."""
        with self._lock:
            return (
                self._db.execute("SELECT 1 FROM documents WHERE doc_id = ?", (doc_id,)).fetchone() is not None
            )

    def rename(self, doc_id: str, *, name: str, source: str, size: int, mtime: float) -> None:
        """A document's file was renamed or moved: new name and source, same content, id and pages."""
        with self._lock:
            self._db.execute(
                "UPDATE documents SET name = ?, source = ?, size = ?, mtime = ? WHERE doc_id = ?",
                (name, source, size, mtime, doc_id),
            )

    def complete_documents(self) -> list[DocumentRow]:
        return self._documents("status = 'complete'")

    def pending_documents(self) -> list[DocumentRow]:
        return self._documents("status = 'pending'")

    def insert_pending(self, row: DocumentRow) -> None:
        with self._lock:
            self._db.execute(
                f"INSERT INTO documents VALUES ({', '.join('?' * 10)})",
                (
                    row.doc_id,
                    row.name,
                    row.content_hash,
                    row.kind,
                    row.pages,
                    row.source,
                    row.size,
                    row.mtime,
                    row.added_at,
                    "pending",
                ),
            )

    def insert_pages(self, doc_id: str, pages: Sequence[Page]) -> None:
        with self._lock, self._db:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        p.key,
                        p.doc_id,
                        p.page,
                        self._relative(p.image_path),
                        p.width,
                        p.height,
                        p.text,
                        p.text_source,
                        _regions_json(p),
                        _looks_json(p),
                        ",".join(p.languages),  # the page's own first
                    )
                    for p in pages
                ],
            )
            self._db.execute("UPDATE documents SET pages = ? WHERE doc_id = ?", (len(pages), doc_id))
            self._page_count = self._languages = None

    def store_languages(self, pages: Sequence[Page]) -> None:
        """Write these pages' languages (and their regions', which live in the regions' JSON)."""
        with self._lock, self._db:
            self._db.execute("BEGIN")
            self._db.executemany(
                "UPDATE pages SET language = ?, regions = ? WHERE key = ?",
                [(",".join(p.languages), _regions_json(p), p.key) for p in pages],
            )
            self._page_count = self._languages = None

    def complete(self, doc_id: str, *, replaces: str | None = None) -> None:
        """Mark a document complete; in the same transaction the version it replaces turns pending
        (so a crash before that one is cleaned from the lanes still gets it cleaned on the next open)."""
        with self._lock, self._db:
            self._db.execute("BEGIN")
            self._db.execute("UPDATE documents SET status = 'complete' WHERE doc_id = ?", (doc_id,))
            if replaces:
                self._db.execute("UPDATE documents SET status = 'pending' WHERE doc_id = ?", (replaces,))
            self._page_count = self._languages = None

    def mark_pending(self, doc_id: str) -> None:
        with self._lock:
            self._db.execute("UPDATE documents SET status = 'pending' WHERE doc_id = ?", (doc_id,))
            self._page_count = self._languages = None

    def delete_document(self, doc_id: str) -> None:
        with self._lock, self._db:
            self._db.execute("BEGIN")
            self._db.execute("DELETE FROM pages WHERE doc_id = ?", (doc_id,))
            self._db.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))
            self._page_count = self._languages = None

    # pages -----------------------------------------------------------------------------------------
    _PAGE_COLUMNS = (
        "p.doc_id, d.name, p.page, p.image_path, p.width, p.height, p.text, p.text_source, p.regions, p.looks, "
        "p.language"
    )

    def pages_of(self, doc_id: str) -> list[Page]:
        with self._lock:
            rows = self._db.execute(
                f"SELECT {self._page_columns} FROM pages p JOIN documents d USING (doc_id) "
                "WHERE p.doc_id = ? ORDER BY p.page",
                (doc_id,),
            ).fetchall()
        return [self._page(row) for row in rows]

    def complete_pages(self, keys: Sequence[str]) -> dict[str, Page]:
        """Pages of complete documents by key (unknown or pending keys are absent)."""
        found: dict[str, Page] = {}
        with self._lock:
            for start in range(0, len(keys), 500):
                chunk = list(keys[start : start + 500])
                rows = self._db.execute(
                    f"SELECT p.key, {self._page_columns} FROM pages p JOIN documents d USING (doc_id) "
                    f"WHERE d.status = 'complete' AND p.key IN ({', '.join('?' * len(chunk))})",
                    chunk,
                ).fetchall()
                found.update((row[0], self._page(row[1:])) for row in rows)
        return found

    def page_count(self) -> int:
        """Pages of complete documents (cached until this or another process commits a change)."""
        with self._lock:
            version = self._db.execute("PRAGMA data_version").fetchone()[0]
            if self._page_count is None or self._page_count[0] != version:
                self._page_count = (
                    version,
                    self._db.execute(
                        "SELECT COALESCE(SUM(pages), 0) FROM documents WHERE status = 'complete'"
                    ).fetchone()[0],
                )
            return self._page_count[1]

    def _relative(self, image_path: str) -> str:
        path = Path(image_path)
        try:
            return path.resolve().relative_to(self.library.resolve()).as_posix()
        except ValueError:
            return str(path)

    def _page(self, row: Sequence) -> Page:
        doc_id, name, page, image_path, width, height, text, text_source, regions, looks, language = row
        looks = json.loads(looks)
        return Page(
            doc_id=doc_id,
            doc=name,
            page=page,
            image_path=str(self.library / image_path),
            width=width,
            height=height,
            text=text,
            text_source=text_source,
            regions=[Region(kind, tuple(box), *rest) for kind, box, *rest in json.loads(regions)],
            looks=[
                Look(
                    box=tuple(box) if box else None,
                    colours=tuple((n, s) for n, s in colours),
                    kinds=tuple(kinds),
                    text=look_text,
                )
                for box, colours, kinds, look_text in looks.get("looks", [])
            ],
            title=looks.get("title", ""),
            language=language.partition(",")[0],
        )

    def library_id(self) -> str:
        """A random id made when the catalog was created (names this library's collections on a server)."""
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = 'library_id'").fetchone()
            if row is None:  # only a new library's writer gets here (readers never write)
                self._db.execute(
                    "INSERT OR IGNORE INTO meta VALUES ('library_id', ?)", (uuid.uuid4().hex[:12],)
                )
                row = self._db.execute("SELECT value FROM meta WHERE key = 'library_id'").fetchone()
            return row[0]

    def languages(self, doc_ids: Iterable[str] | None = None) -> dict[str, int]:
        """Pages per language of complete documents (of these documents when given), the most first. A page
        counts for its own language only, not for its regions' others: a region's language is told from
        fewer letters (a formula or a code line read as Italian), and the languages counted here decide
        which languages a question is translated into. Cached for the whole library until a commit."""
        if doc_ids is None:
            with self._lock:
                version = self._db.execute("PRAGMA data_version").fetchone()[0]
                if self._languages is None or self._languages[0] != version:
                    self._languages = (version, self._count_languages("d.status = 'complete'", []))
                return self._languages[1]
        chosen = sorted(doc_ids)
        return self._count_languages(
            f"d.status = 'complete' AND p.doc_id IN ({', '.join('?' * len(chosen))})", chosen
        )

    def _count_languages(self, where: str, args: list[str]) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute(
                f"SELECT p.language, COUNT(*) FROM pages p JOIN documents d USING (doc_id) WHERE {where} "
                "GROUP BY p.language",
                args,
            ).fetchall()
        counts = Counter[str]()
        for languages, n in rows:  # the column holds every language of a page, its own first
            if languages:
                counts[languages.partition(",")[0]] += n
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))

    # lanes -----------------------------------------------------------------------------------------
    def lanes(self) -> dict[str, LaneRecord]:
        with self._lock:
            rows = self._db.execute("SELECT name, spec, collections FROM lanes ORDER BY rowid").fetchall()
        return {name: LaneRecord(name, json.loads(spec), json.loads(cols)) for name, spec, cols in rows}

    def set_lane(self, name: str, spec: dict, collections: Iterable[str]) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO lanes VALUES (?, ?, ?)",
                (name, json.dumps(spec, sort_keys=True, default=str), json.dumps(sorted(collections))),
            )


def _regions_json(page: Page) -> str:
    """`[kind, box, text]` per region, with the region's language last when it has its own."""
    return json.dumps(
        [[r.kind, list(r.box), r.text] + ([r.language] if r.language else []) for r in page.regions]
    )


def _looks_json(page: Page) -> str:
    return json.dumps(
        {
            "title": page.title,
            "looks": [
                [
                    list(look.box) if look.box else None,
                    [list(c) for c in look.colours],
                    list(look.kinds),
                    look.text,
                ]
                for look in page.looks
            ],
        }
    )
