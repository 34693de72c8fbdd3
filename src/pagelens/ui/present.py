"""Library records -> what the app's components show: the library list and status, upload rows, search
results, gallery items. HTML is built here with every value escaped."""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

from .. import extras
from ..index.background import LaneProgress
from ..lanes.registry import LaneFamily
from ..language import name as language_name
from ..types import AddReport, Citation, DocumentInfo, FileOutcome, Hit
from .snippets import snippet_html, snippet_text
from .thumbnails import PASSAGE_WINDOW, boxed_page

HIT_COLUMNS = ["rank", "document", "page", "snippet", "lanes"]
GalleryItem = tuple[str, str]

# status -> (icon, words shown after the name); the colour comes from the CSS class pl-<status>
FILE_STATUS = {
    "added": ("✔", "added"),
    "updated": ("↻", "updated"),
    "unchanged": ("=", "already in the library, unchanged"),
    "failed": ("✖", "failed"),
}


def library_status(
    documents: Sequence[DocumentInfo], loading: str = "", lanes: Sequence[LaneProgress] = ()
) -> str:
    """The one-line library summary shown above the list; while something loads, what is loading; while
    a visual lane encodes behind the adds (or stopped), how far it is."""
    complete = [d for d in documents if d.status == "complete"]
    pages = sum(d.pages for d in complete)
    line = (
        f"**{len(complete)}** document{'s' * (len(complete) != 1)} · **{pages}** page{'s' * (pages != 1)}"
        if complete
        else "The library is empty: drop files below."
    )
    behind = [lane.line() for lane in lanes if lane.queued or lane.error]
    return "\n\n".join([line, *filter(None, [loading]), *behind])


# A cited page's caption shows whole under its thumbnail up to this many characters (12 px type in the
# 168 px cell's 133 px label); Gradio cuts a longer one at its end, which loses the page number.
CAPTION_CHARS = 21
REPLACE_BOX = "Replace documents with the same name"  # the checkbox under the drop area
DOCUMENTS_HEADING = "Your documents"


def pages_text(count: int) -> str:
    return f"{count} page{'s' * (count != 1)}"


def documents_html(documents: Sequence[DocumentInfo]) -> str:
    """The library list under its heading: full name on hover, page count, a pending document marked."""
    heading = f'<h3 class="pl-docs-heading">{DOCUMENTS_HEADING} ({len(documents)})</h3>'
    if not documents:
        return heading + '<div class="pl-docs-empty">No documents yet.</div>'
    rows = []
    for doc in documents:
        name = html.escape(doc.name)
        state = "" if doc.status == "complete" else ' <span class="pl-pending">adding…</span>'
        if doc.status == "complete" and doc.queued:  # searchable already; a visual lane is behind
            left = max(doc.queued.values())
            state = f' <span class="pl-pending" title="searchable now; visual lanes encoding">visual: {left} p. to go</span>'
        rows.append(
            f'<li class="pl-doc" title="{name} · {pages_text(doc.pages)} · {html.escape(doc.kind)}">'
            f'<span class="pl-doc-name">{name}</span>{state}'
            f'<span class="pl-doc-pages">{doc.pages} p.</span></li>'
        )
    return heading + f'<ul class="pl-docs">{"".join(rows)}</ul>'


def no_match(query: str | None, chosen: int) -> str:
    """Why a search found nothing: the text lane finds a page by its words, or by meaning alone when the
    best passage is close enough (lanes/text/lane.py, `meaning_floor`); neither held."""
    where = f"the {chosen} chosen document{'s' * (chosen != 1)}" if chosen else "the library"
    if not query:
        return f"No page matches in {where}."
    return (
        f"No page matches “{query}” in {where}: none of its words appear there, and no passage is close "
        "enough in meaning. Try other words, or search every document."
        if chosen
        else f"No page matches “{query}” in {where}: none of its words appear there, and no passage is "
        "close enough in meaning. Try other words."
    )


def outcome_words(outcome: FileOutcome) -> str:
    """What happened to a file, in the app's terms (its checkbox, not the API's `replace=True`)."""
    icon, words = FILE_STATUS[outcome.status]
    if outcome.status == "failed":
        return f"{words}: {html.escape(outcome.reason)}"
    detail = f"{words} ({pages_text(outcome.pages)})"
    if outcome.status == "unchanged" and outcome.reason:  # the same bytes under another name
        return f"{html.escape(outcome.reason)} ({pages_text(outcome.pages)})"
    if outcome.clashed_with:
        taken = html.escape(outcome.clashed_with)
        return (
            f"{detail} as <b>{html.escape(outcome.name)}</b>: a different document named <b>{taken}</b> "
            f"is already in the library. To replace it instead, tick “{REPLACE_BOX}” and drop the file again."
        )
    return detail + (f" — {html.escape(outcome.reason)}" if outcome.reason else "")


def file_row(outcome: FileOutcome, name: str | None = None) -> str:
    """One file's row: icon, name (as dropped), what happened."""
    icon, _ = FILE_STATUS[outcome.status]
    shown = html.escape(name or outcome.clashed_with or outcome.name)
    return (
        f'<li class="pl-file pl-{outcome.status}"><span class="pl-icon" aria-hidden="true">{icon}</span> '
        f"<b>{shown}</b> {outcome_words(outcome)}</li>"
    )


def refusal_html(message: str) -> str:
    """A refused change (e.g. a role that may not add): the sentence itself, escaped."""
    return html.escape(message)


def report_html(report: AddReport) -> str:
    """One row per file with its status icon and colour; failures say why."""
    if not report.files:
        return '<div class="pl-files-empty">No supported files were given.</div>'
    return f'<ul class="pl-files">{"".join(file_row(f) for f in report.files)}</ul>'


def lanes_label(hit: Hit) -> str:
    """Each lane's rank and, when it says, what matched ("text #1 (colour: red 31%)"); folded overlays."""
    label = ", ".join(
        f"{lane} #{rank.rank}" + (f" ({rank.why})" if rank.why else "")
        for lane, rank in sorted(hit.lanes.items(), key=lambda kv: kv[1].rank)
    )
    return label + (f"; also pages {', '.join(map(str, hit.similar_pages))}" if hit.similar_pages else "")


def hit_rows(hits: Sequence[Hit], query: str) -> list[list]:
    """The ranking for the API: rank, document, page, snippet, lanes (scores from different lanes have no
    common scale, so none is shown)."""
    return [[i, h.doc, h.page, snippet_text(h.text, query), lanes_label(h)] for i, h in enumerate(hits, 1)]


def hits_html(hits: Sequence[Hit], query: str, *, show_lanes: bool) -> str:
    """Each hit: rank, document and page (a link that opens the viewer), the language of the text that
    matched, a snippet with the query's terms marked, and which lanes found it when several lanes were
    searched."""
    items = []
    for i, hit in enumerate(hits, 1):
        name = html.escape(hit.doc)
        lanes = (
            f'<span class="pl-hit-lanes">found by {html.escape(lanes_label(hit))}</span>'
            if show_lanes
            else ""
        )
        language = (
            f'<span class="pl-hit-lang">{html.escape(language_name(hit.region_language))}</span>'
            if hit.region_language
            else ""
        )
        items.append(
            f'<li class="pl-hit"><div class="pl-hit-head"><span class="pl-rank">{i}</span> '
            f'<a href="#pl-page={html.escape(hit.key)}" title="{name}">{name} p.{hit.page}</a>{language}{lanes}'
            "</div>"
            f'<div class="pl-snippet">{snippet_html(hit.text, query)}</div></li>'
        )
    return f'<ol class="pl-hits">{"".join(items)}</ol>'


def hit_gallery(hits: Sequence[Hit], cache_dir: Path) -> list[GalleryItem]:
    """Ranked page thumbnails, the best region highlighted, captioned by rank and page (short enough to show
    whole under a thumbnail; the results list next to them names the document)."""
    items = []
    for i, hit in enumerate(hits, 1):
        box = hit.region.box if hit.region is not None else None
        items.append((str(boxed_page(hit.image_path, box, cache_dir)), f"{i}. p.{hit.page}"))
    return items


def citation_gallery(citations: Sequence[Citation], cache_dir: Path) -> list[GalleryItem]:
    """The cited pages with the cited region highlighted, each cut to the passage around it, captioned by the
    label used in the answer, fitted to the thumbnail (`caption`; a click opens the whole page in the
    viewer)."""
    items = []
    for citation in citations:
        box = citation.region.box if citation.region is not None else None
        items.append(
            (str(boxed_page(citation.image_path, box, cache_dir, PASSAGE_WINDOW)), caption(citation))
        )
    return items


def caption(citation: Citation, limit: int = CAPTION_CHARS) -> str:
    """The citation's label as the answer writes it, its document name cut in the middle when the whole would
    not show under a thumbnail: the name's start, its extension and the page stay ("[maxima-fi….html p.6]")."""
    label = citation.label
    if len(label) <= limit:
        return label
    stem, dot, extension = citation.doc.rpartition(".")
    ending = f"{dot}{extension}" if stem and len(extension) <= 5 else ""
    tail = f"{ending} p.{citation.page}]"
    return f"{label[: max(limit - len(tail) - 1, 2)]}…{tail}"


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
        lines.append(
            f"Not installed: {', '.join(f'`{name}`' for name in names)}; they need the `{extra}` "
            f"extra: `{extras.install_hint(extra)}`."
        )
    return "\n\n".join(lines)
