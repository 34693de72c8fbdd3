"""The route that opens a document's original file (the viewer's "open the original at this page" link).

`GET /pagelens/original/<doc_id>` serves the file a document was read from, and only when that file is the
app's own copy of an upload (`<library>/uploads/`), a regular file reached through no link: a document
added from elsewhere on disk has no link, nothing outside the uploads folder is ever read, and an upload
copy replaced by a link (to `conversations.sqlite`, say) is refused. PDFs open inline (`#page=N` in the link jumps to the page);
HTML is served with `Content-Security-Policy: sandbox`, so an uploaded page can run no script on the app's
origin; images open inline; anything else downloads. The app's login (when `auth` is set) guards it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

from fastapi import HTTPException, Request
from fastapi.responses import FileResponse

from ..layout import LibraryLayout
from ..library import Library
from ..types import DocumentInfo

ROUTE = "/pagelens/original"
MEDIA_TYPES = {
    ".pdf": "application/pdf",
    ".html": "text/html",
    ".htm": "text/html",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".gif": "image/gif",
}


def servable(library: Library, doc: DocumentInfo) -> Path | None:
    """The document's original file when it may be served: an upload copy, a regular file, no link on the
    way (its path is its own real path)."""
    if not doc.source:
        return None
    path = Path(doc.source)
    if (
        not path.is_absolute()
        or os.path.realpath(path) != str(path)
        or not path.is_relative_to(_uploads(library))
    ):
        return None
    return path if path.is_file() else None


def unserved(library: Library, doc: DocumentInfo) -> str:
    """Where a document's original is, when the app does not open it (`servable` found none), in the
    reader's words: the app serves its own upload copies only, so a document added from a folder is opened
    from that folder."""
    if not doc.source:
        return "Original: not kept in the library"
    if Path(doc.source).is_relative_to(_uploads(library)):
        return "Original: the uploaded file is no longer in the library"
    return f"Original: {Path(doc.source).name}, in the folder it was added from"


def _uploads(library: Library) -> Path:
    """The library's uploads folder, resolved: the only folder the app serves originals from."""
    return LibraryLayout(Path(library.path)).uploads.resolve()


def original_url(doc: DocumentInfo, page: int) -> str:
    """The link for a document's original at `page` (PDF viewers honour `#page=`)."""
    return f"{ROUTE}/{doc.doc_id}" + (f"#page={page}" if doc.kind == "pdf" else "")


def mount(server_app, using: Callable[[], AbstractContextManager[Library]]) -> None:
    """Add the route to the running Gradio server (`Blocks.server_app`, a FastAPI app); `using()` lends the
    library served now (`AppSession.using`), so a lane swap waits for the lookup."""

    def original(doc_id: str, request: Request) -> FileResponse:
        if not _signed_in(request):
            raise HTTPException(status_code=401, detail="Not authenticated")
        with using() as library:
            doc = next(
                (d for d in library.documents() if d.doc_id == doc_id and d.status == "complete"), None
            )
            path = servable(library, doc) if doc is not None else None
        if path is None:
            raise HTTPException(status_code=404, detail="No such document file in this library")
        media_type = MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")
        headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}
        if media_type == "text/html":
            headers["Content-Security-Policy"] = "sandbox"
        disposition = "attachment" if media_type == "application/octet-stream" else "inline"
        return FileResponse(
            path,
            media_type=media_type,
            headers=headers,
            filename=doc.name.rsplit("/", 1)[-1],
            content_disposition_type=disposition,
        )

    server_app.add_api_route(ROUTE + "/{doc_id}", original, methods=["GET"])


def _signed_in(request) -> bool:
    """Gradio's own login check (its session cookie), for a route Gradio did not create."""
    app = request.app
    if getattr(app, "auth", None) is None and getattr(app, "auth_dependency", None) is None:
        return True
    if app.auth_dependency is not None:
        return app.auth_dependency(request) is not None
    token = request.cookies.get(f"access-token-{app.cookie_id}") or request.cookies.get(
        f"access-token-unsecure-{app.cookie_id}"
    )
    return app.tokens.get(token) is not None
