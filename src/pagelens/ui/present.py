"""Library records -> what the app's components show (tables, gallery items, chat messages, status lines)."""

from __future__ import annotations

import urllib.parse
from collections.abc import Sequence
from pathlib import Path

from .. import extras
from ..models.registry import LaneFamily
from ..types import AddReport, Answer, Citation, DocumentInfo, Hit, Step
from .thumbnails import boxed_page

DOCUMENT_COLUMNS = ["document", "pages", "status"]
HIT_COLUMNS = ["rank", "document", "page", "score", "lanes"]
GalleryItem = tuple[str, str]


def document_rows(documents: Sequence[DocumentInfo]) -> list[list]:
    return [[d.name, d.pages, d.status] for d in documents]


def report_markdown(report: AddReport) -> str:
    """One line per file: what happened, and for failures the reason a user can act on."""
    if not report.files:
        return "No supported files were given."
    lines = []
    for outcome in report.files:
        if outcome.status == "failed":
            lines.append(f"- **{outcome.name}** failed: {outcome.reason}")
        else:
            note = f" — {outcome.reason}" if outcome.reason else ""
            lines.append(f"- **{outcome.name}** {outcome.status} ({outcome.pages} pages){note}")
    return "\n".join(lines)


def lanes_label(hit: Hit) -> str:
    """Each lane's rank and, when it says, what matched ("text #1 (colour: red 31%)"); folded overlays."""
    label = ", ".join(f"{lane} #{rank.rank}" + (f" ({rank.why})" if rank.why else "")
                      for lane, rank in sorted(hit.lanes.items(), key=lambda kv: kv[1].rank))
    return label + (f"; also pages {', '.join(map(str, hit.similar_pages))}" if hit.similar_pages else "")


def hit_rows(hits: Sequence[Hit]) -> list[list]:
    return [[i, h.doc, h.page, round(h.score, 4), lanes_label(h)] for i, h in enumerate(hits, 1)]


def hit_gallery(hits: Sequence[Hit], cache_dir: Path) -> list[GalleryItem]:
    """Ranked page thumbnails, each with its best region boxed and a caption of rank, score and lanes."""
    items = []
    for i, hit in enumerate(hits, 1):
        box = hit.region.box if hit.region is not None else None
        caption = f"{i}. {hit.doc} p.{hit.page} · {hit.score:.3f} · {lanes_label(hit)}"
        items.append((str(boxed_page(hit.image_path, box, cache_dir)), caption))
    return items


def citation_gallery(citations: Sequence[Citation], cache_dir: Path) -> list[GalleryItem]:
    """The cited pages with the cited region boxed, captioned by the label used in the answer."""
    items = []
    for citation in citations:
        box = citation.region.box if citation.region is not None else None
        items.append((str(boxed_page(citation.image_path, box, cache_dir)), citation.label))
    return items


def link_citations(text: str, cited: Sequence[GalleryItem]) -> str:
    """Each citation label in `text` becomes a link that opens its (boxed) page image in a new tab."""
    first_image = {label: path for path, label in reversed(cited)}  # one link per label: its first page image
    for label, path in first_image.items():
        text = text.replace(label, f"[{label}](/gradio_api/file={urllib.parse.quote(path)})")
    return text


def step_message(step: Step) -> dict:
    """A collapsible assistant message for one agent step (Gradio renders `metadata.title` as a fold)."""
    return {"role": "assistant", "content": step.detail or step.title,
            "metadata": {"title": step.title, "status": "done"}}


def answer_markdown(answer: Answer) -> str:
    """The answer text, followed by the labels of citations the text does not already mention."""
    text = answer.text.strip()
    missing = [c.label for c in answer.citations if c.label not in text]
    if missing:
        text += "\n\nSources: " + " ".join(dict.fromkeys(missing))
    return text


def chat_history_for_agent(messages: Sequence[dict]) -> list[dict]:
    """The conversation without the step folds: only user turns and final assistant answers."""
    history = []
    for message in messages:
        metadata = message.get("metadata") or {}
        if metadata.get("title"):
            continue
        content = message.get("content")
        if isinstance(content, str):
            history.append({"role": message["role"], "content": content})
        elif isinstance(content, list):  # Gradio may hand back content as a list of parts
            text = " ".join(part.get("text", "") for part in content if isinstance(part, dict))
            if text.strip():
                history.append({"role": message["role"], "content": text})
    return history


def installed_lanes_markdown(families: Sequence[LaneFamily]) -> str:
    """The Settings tab's note: the lane families usable here, and for the others the command that installs
    the extra they need (so a user learns it before choosing a lane that cannot open)."""
    ready = [family.name for family in families if family.installed()]
    lines = [f"Lanes installed here: {', '.join(f'`{name}`' for name in ready)}."]
    needing: dict[str, list[str]] = {}
    for family in families:
        if not family.installed():
            needing.setdefault(family.extra, []).append(family.name)
    for extra, names in needing.items():
        lines.append(f"Not installed: {', '.join(f'`{name}`' for name in names)}; they need the `{extra}` "
                     f"extra: `{extras.install_hint(extra)}`.")
    return "\n\n".join(lines)
