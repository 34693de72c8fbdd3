"""The library's work on a rendered file that touches no store (`PagePreparer`): its pages' languages and
each lane's `Lane.preparer` (the text lane's analysis, segment and vectors). `ingest.batch` runs it in the
sandboxed worker that rendered the file, so the process writing the library only writes, and the workers
share the computing; `LaneSet.index` stores the result exactly as it stores what a lane computes itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..types import Page
from .languages import tagged


@dataclass(frozen=True)
class PreparedPages:
    pages: list[Page]  # the file's pages with their languages set (`tagged`)
    lanes: dict[str, object]  # lane name -> what its preparer returned for the pages


@dataclass(frozen=True)
class PagePreparer:
    """Picklable: the lanes' preparers (by lane name) travel to the worker with the rendered pages."""

    lanes: dict[str, Callable[[Sequence[Page]], object]]

    def __call__(self, pages: Sequence[Page]) -> PreparedPages:
        pages = [tagged(page) for page in pages]
        return PreparedPages(pages, {name: prepare(pages) for name, prepare in self.lanes.items()})
