"""A generative backend's answer, kept only where it holds: the pages a model is shown (`shown_pages`) and
its reply checked against them (`validate`): citations of pages it was not shown are dropped, and a reply
that cites none of the pages it was shown falls back to the extractive answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..types import Citation, Step
from .answerer import NOT_ANSWERED
from .citations import normalise_label, scan_labels, strip_labels
from .compose import PartEvidence
from .evidence import EvidencePage


def shown_pages(parts: list[PartEvidence], anchored: list[EvidencePage], limit: int) -> list[EvidencePage]:
    """The pages a model is shown: those the question points at, then each part's next best in turn, up to
    `limit` (agent_read_pages)."""
    shown: dict[str, EvidencePage] = {p.key: p for p in anchored}
    depth = 0
    while len(shown) < limit and any(depth < len(p.best) for p in parts):
        for part in parts:
            if depth < len(part.best) and len(shown) < limit:
                shown.setdefault(part.best[depth].page.key, part.best[depth].page)
        depth += 1
    return list(shown.values())


@dataclass
class Validated:
    """What is kept of a model's reply: the steps that say what was dropped, and the answer."""

    steps: list[Step]
    answer: tuple[str, list[Citation], bool] | None  # None: fall back to the extractive answer


def validate(reply: str, shown: list[EvidencePage], passages: dict[str, Citation], step) -> Validated:
    """Keep a model's answer only if it cites pages it was shown (or plainly declines). A cited page
    carries the passage the extractive scorer found on it (`passages`, by page key) as quote and region."""
    by_label = {normalise_label(p.doc, p.page): p for p in shown}
    scan = scan_labels(reply, set(by_label))
    out: list[Step] = []
    if scan.unknown:
        out.append(
            step("error", "Dropped citations of pages the model was not shown", ", ".join(scan.unknown))
        )
    if NOT_ANSWERED in reply and not scan.valid:
        return Validated(out, ("The library does not answer this question.", [], False))
    if not scan.valid:
        out.append(
            step(
                "error",
                "The model's reply cites no page it was shown; answering extractively",
                reply.strip()[:300] or "(empty reply)",
            )
        )
        return Validated(out, None)
    text = strip_labels(reply, scan.unknown).replace(NOT_ANSWERED, "").strip()
    citations = [passages.get(by_label[label].key) or by_label[label].citation() for label in scan.valid]
    return Validated(out, (text, citations, True))
