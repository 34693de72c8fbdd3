"""Every file and folder name inside a library folder, in one place.

```
<library>/catalog.sqlite        documents, pages, lanes (SQLite, WAL): the source of truth
<library>/chroma/               embedded Chroma (absent with a `chroma run` server)
<library>/pages/<doc_id>/<page:05d>.png   page screenshots: the only library files the app serves
<library>/lanes/<lane>/         lanes' side stores (indexes that live outside Chroma)
<library>/lane-queue.sqlite     pages the background (visual) lanes have still to encode (index/lane_queue.py)
<library>/uploads/              the app's copies of uploaded files
<library>/ui-cache/             the app's boxed copies of cited pages (served, like pages/)
<library>/ui-settings.json      the app's saved settings
<library>/conversations.sqlite  the app's saved chats
<library>/.lock                 the write lock
```
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path


def page_image_name(page: int) -> str:
    """`<page:05d>.png`: the file name of page `page` (1-based) inside its document's folder."""
    return f"{page:05d}.png"


@dataclass(frozen=True)
class LibraryLayout:
    root: Path

    @property
    def catalog(self) -> Path:
        return self.root / "catalog.sqlite"

    @property
    def chroma(self) -> Path:
        return self.root / "chroma"

    @property
    def pages(self) -> Path:
        return self.root / "pages"

    @property
    def lanes(self) -> Path:
        return self.root / "lanes"

    @property
    def lane_queue(self) -> Path:
        return self.root / "lane-queue.sqlite"

    @property
    def uploads(self) -> Path:
        return self.root / "uploads"

    @property
    def ui_cache(self) -> Path:
        return self.root / "ui-cache"

    @property
    def ui_settings(self) -> Path:
        return self.root / "ui-settings.json"

    @property
    def conversations(self) -> Path:
        return self.root / "conversations.sqlite"

    @property
    def lock(self) -> Path:
        return self.root / ".lock"

    @property
    def served(self) -> list[Path]:
        """The only folders a web front end may serve files from."""
        return [self.pages, self.ui_cache]

    @property
    def private(self) -> list[Path]:
        """Folders a web front end must never serve, even if a served path led there."""
        return [self.chroma, self.uploads, self.lanes]

    def page_dir(self, doc_id: str) -> Path:
        return self.pages / doc_id

    def page_image(self, doc_id: str, page: int) -> Path:
        return self.page_dir(doc_id) / page_image_name(page)

    def lane_folder(self, lane: str) -> Path:
        """`lanes/<lane name with anything but [A-Za-z0-9._-] replaced by _>/`."""
        return self.lanes / re.sub(r"[^A-Za-z0-9._-]+", "_", lane)

    def page_of_image(self, image: Path) -> tuple[str, int] | None:
        """(doc_id, page) when `image` is one of this library's page screenshots, else None."""
        try:
            relative = Path(image).expanduser().resolve().relative_to(self.pages.resolve())
        except ValueError:
            return None
        if (
            len(relative.parts) != 2
            or not relative.stem.isdigit()
            or relative.name != page_image_name(int(relative.stem))
        ):
            return None
        return relative.parts[0], int(relative.stem)
