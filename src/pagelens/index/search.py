"""Search assembly: the lanes' fused ranking turned into the `Hit`s a caller sees.

How deep the lanes are asked (twice k for one lane, so that folded overlays still leave k; for several,
at least 30 so that fusion has candidates from each), the join with the catalog (a page of a document
still pending is dropped: lanes answer from their last committed state, so a running add never holds a
search up), the best region of each page, and slide overlays folded into one hit (overlays.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..types import Hit
from .catalog import Catalog
from .lane import Query
from .laneset import LaneSet
from .overlays import fold_overlays

MIN_FUSION_DEPTH = 30  # candidates per lane when several lanes are fused


def search_pages(
    lanes: LaneSet,
    catalog: Catalog,
    query: Query,
    chosen: Sequence[str],
    k: int,
    *,
    scope: dict[str, int] | None = None,
    fold: bool = True,
) -> list[Hit]:
    """The top `k` pages for `query` from the `chosen` lanes (names checked by the caller). `scope`: doc id
    -> page count of the documents searched (None: all, and `query.docs` is None); `fold`: fold overlays."""
    total = catalog.page_count() if scope is None else sum(scope.values())
    if total == 0:
        return []
    depth = 2 * k if len(chosen) == 1 else max(3 * k, MIN_FUSION_DEPTH)
    fused = lanes.search(query, chosen, depth=min(total, depth))
    pages = catalog.complete_pages([hit.key for hit in fused])
    hits: list[Hit] = []
    for fused_hit in fused:
        page = pages.get(fused_hit.key)
        if page is None:
            continue
        region = fused_hit.region
        hits.append(
            Hit(
                doc=page.doc,
                page=page.page,
                score=fused_hit.score,
                text=page.text,
                image_path=page.image_path,
                regions=page.regions,
                doc_id=page.doc_id,
                rank=len(hits) + 1,
                lanes=fused_hit.lanes,
                region=page.regions[region]
                if region is not None and 0 <= region < len(page.regions)
                else None,
                language=page.language,
            )
        )
    return (fold_overlays(hits) if fold else hits)[:k]
