"""`pagelens mcp`: a library as Model Context Protocol tools, for the assistants and agents people already use.

Tools: `search` (ranked pages with a snippet and the page image's resource URI), `ask` (an answer
citing pages), `list_documents`, `get_page` (the page's text and its PNG as image content), and, only
when the server was started with `--allow-add FOLDER`, `add` for files inside that folder (checked
after resolving symbolic links, so a link cannot lead outside it). Page images are also resources at
`pagelens://page/{doc_id}/{page}`.

The server holds the library open (and so its lock) while it runs; point it at a library that no
other process writes, or use a Chroma server for several. Transports: stdio (what desktop clients
launch), or streamable HTTP bound to 127.0.0.1 only.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from mcp.server.mcpserver import Image, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations

from .errors import PagelensError
from .library import Library
from .types import Hit, page_key

PAGE_URI = "pagelens://page/{doc_id}/{page}"
SNIPPET_CHARS = 300
HTTP_HOST = "127.0.0.1"
READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)
# What pagelens reports on purpose (empty query, unknown document, a path outside the allowed folder): the
# message goes back as the tool's error text; anything else is reported by the SDK as an internal error.
CALLER_ERRORS = (PagelensError, ValueError)
_Tool = TypeVar("_Tool", bound=Callable)


@dataclass
class PageResult:
    doc: str
    page: int
    score: float
    snippet: str
    image: str  # resource URI of the page's PNG screenshot (read it, or call get_page)
    language: str = ""  # ISO 639-1 code of the matched text ("" when not known)


@dataclass
class CitationResult:
    label: str  # as written in the answer, e.g. "[manual.pdf p.3]"
    doc: str
    page: int
    quote: str
    image: str


@dataclass
class AnswerResult:
    answer: str
    answerable: bool  # False: the library does not support an answer (the text says so)
    citations: list[CitationResult] = field(default_factory=list)


@dataclass
class DocumentResult:
    name: str
    pages: int
    kind: str
    added_at: str
    status: str


@dataclass
class AddResult:
    name: str
    status: str  # added | updated | unchanged | failed
    pages: int
    reason: str


def _caller_errors(tool: _Tool) -> _Tool:
    @functools.wraps(tool)
    def run(*args, **kwargs):
        try:
            return tool(*args, **kwargs)
        except CALLER_ERRORS as err:
            raise ToolError(str(err)) from err

    return run  # type: ignore[return-value]


def page_uri(doc_id: str, page: int) -> str:
    return PAGE_URI.format(doc_id=doc_id, page=page)


def build_server(lib: Library, *, allow_add: Path | None = None) -> MCPServer:
    """The MCP server over `lib`; read-only unless `allow_add` names the folder `add` may read from."""
    server = MCPServer(
        "pagelens",
        instructions=(
            "Search and cite pages of the user's documents. Use search to find pages, get_page to read one "
            "(text and image), ask for an answer with page citations, list_documents to see what is there."
        ),
    )

    @server.tool(annotations=READ_ONLY)
    @_caller_errors
    def search(query: str, k: int = 5, docs: list[str] | None = None) -> list[PageResult]:
        """Pages that best match the query, best first. `docs`: only these document names (default: all)."""
        return [_page_result(hit) for hit in lib.search(query, k, docs=docs)]

    @server.tool(annotations=READ_ONLY)
    @_caller_errors
    def ask(question: str, history: list[dict[str, str]] | None = None) -> AnswerResult:
        """An answer drawn from the documents, citing pages as [doc p.N]; `history` is earlier turns as
        {"role": "user"|"assistant", "content": ...} messages, so follow-up questions work."""
        answer = lib.ask(question, history or [])
        return AnswerResult(
            answer=answer.text,
            answerable=answer.answerable,
            citations=[
                CitationResult(
                    label=c.label, doc=c.doc, page=c.page, quote=c.quote, image=page_uri(c.doc_id, c.page)
                )
                for c in answer.citations
            ],
        )

    @server.tool(annotations=READ_ONLY)
    def list_documents() -> list[DocumentResult]:
        """The documents in the library with their page counts."""
        return [
            DocumentResult(name=d.name, pages=d.pages, kind=d.kind, added_at=d.added_at, status=d.status)
            for d in lib.documents()
        ]

    @server.tool(annotations=READ_ONLY, structured_output=False)
    @_caller_errors
    def get_page(doc: str, page: int) -> list:
        """One page: its text, then its screenshot as a PNG image."""
        pages = lib.pages(doc)
        if not 1 <= page <= len(pages):
            raise ValueError(f"{doc!r} has pages 1-{len(pages)}, not {page}")
        found = pages[page - 1]
        return [f"{found.doc} p.{found.page}\n\n{found.text}", Image(path=found.image_path)]

    @server.resource(PAGE_URI, mime_type="image/png", description="A page's PNG screenshot")
    def page_image(doc_id: str, page: str) -> bytes:
        found = lib.get_pages([page_key(doc_id, int(page))]) if page.isdigit() else []
        if not found:
            raise ValueError(f"no page {page} of document {doc_id} in this library")
        return Path(found[0].image_path).read_bytes()

    if allow_add is not None:
        allowed = Path(allow_add).expanduser().resolve()

        @_caller_errors
        def add(path: str, replace: bool = False) -> list[AddResult]:
            target = _inside(allowed, path)
            report = lib.add([target], replace=replace, progress=False)
            return [
                AddResult(name=f.name, status=f.status, pages=f.pages, reason=f.reason) for f in report.files
            ]

        server.add_tool(
            add,
            annotations=ToolAnnotations(read_only_hint=False, destructive_hint=False),
            description=(
                f"Add a file or folder to the library. Only paths inside {allowed} are accepted (relative paths "
                "are taken from there). An unchanged file is left alone; a changed file under a name the library "
                "already has replaces that document only with replace=true (else it is added as 'name (2).ext')."
            ),
        )
    return server


def _page_result(hit: Hit) -> PageResult:
    text = hit.region.text if hit.region is not None and hit.region.text else hit.text
    return PageResult(
        doc=hit.doc,
        page=hit.page,
        score=round(hit.score, 6),
        snippet=" ".join(text.split())[:SNIPPET_CHARS],
        image=page_uri(hit.doc_id, hit.page),
        language=hit.region_language,
    )


def _inside(allowed: Path, raw: str) -> Path:
    """`raw` resolved (links followed) if it and everything under it stays inside `allowed`; else ValueError."""
    target = (allowed / Path(raw).expanduser()).resolve()
    outside = not target.is_relative_to(allowed)
    if not outside and target.is_dir():
        outside = any(not found.resolve().is_relative_to(allowed) for found in target.rglob("*"))
    if outside:
        raise ValueError(f"refused: {raw} is outside the folder this server may add from ({allowed})")
    if not target.exists():
        raise ValueError(f"no such file or folder: {raw}")
    return target


def serve(lib: Library, *, http_port: int | None = None, allow_add: Path | None = None) -> None:
    """Serve until the client disconnects (stdio) or the process is stopped (HTTP on 127.0.0.1)."""
    server = build_server(lib, allow_add=allow_add)
    if http_port is None:
        server.run("stdio")
    else:
        server.run("streamable-http", host=HTTP_HOST, port=http_port)
