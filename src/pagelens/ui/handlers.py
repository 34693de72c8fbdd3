"""What the app does when its user acts: each handler works over the `AppSession` and returns a named view
(a dataclass of plain values); `ui/app.py` turns views into component updates. No Gradio here, so every
rule (who may change what, the question cap, which history a follow-up gets, the image-lane check) reads
and tests on its own.

Every handler holds the session's lock for reading while it uses the library (`session.reading()`), so an
admin's lane swap never closes the library under a running request.
"""

from __future__ import annotations

import html
import queue
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..answer_backends import EXTRACTIVE
from ..errors import MissingExtraError
from ..inputs import clean_text
from ..lanes.registry import families, family_of
from ..rag.backends import backend_for
from ..storage import without_paths
from ..types import AddProgress, AddReport, Answer, Box, Step
from . import chats, present
from .examples import example_questions
from .prefs import UiPrefs
from .security import ChatAccess, NotAllowed, chat_access, require
from .session import AppSession
from .steps import steps_message
from .upload_board import UploadBoard
from .uploads import stage_uploads
from .viewer import ViewerState, open_citation, page_count, viewer_html

REFRESH_S = 0.25  # an upload's rows are redrawn at most this often (and whenever a file is done)


@dataclass
class LibraryView:
    """The library as the sidebar, the scope pickers and the empty chat show it."""

    status: str  # Markdown: documents and pages, and what is loading
    documents: str  # HTML list
    names: list[str]  # complete documents (remove, ask within, search within)
    examples: list[str]  # example questions for the empty chat
    busy: bool = False  # the sample is loading or a visual lane is encoding: the list refreshes itself


@dataclass
class ConversationView:
    """One conversation ("" id: a new one) as the chat, the cited pages and the sidebar show it."""

    id: str
    chat: list[dict]
    gallery: list[present.GalleryItem]  # the last answer's cited pages
    cited: list[str]  # their link keys, in the gallery's order (chats.cited_key)
    boxes: dict[str, list[Box]]  # link key -> the regions that answer cites on that page
    title: str
    export: Path | None  # the Markdown export, None for an empty chat
    choices: list[tuple[str, str]]  # the sidebar's (title, id) pairs
    show_examples: bool


@dataclass
class ViewerView:
    state: ViewerState
    html: str


@dataclass
class AskView:
    """One step of a streamed answer: the chat as shown now, and only what else this step changes, so what
    the user types meanwhile (the next question, a new title for the chat) is not written over.

    `conversation`: the conversation around the chat once it changed (the turn saved, or a question refused
    at once); None while the answer streams. `taken`: the question went into the chat, so its box empties.
    `viewer`: None leaves it as it is."""

    chat: list[dict]
    conversation: ConversationView | None = None
    viewer: ViewerView | None = None
    taken: bool = False


@dataclass
class ChangeView:
    """After (or during) an add or a remove: what happened (HTML), and the library (None: unchanged)."""

    status: str
    library: LibraryView | None


@dataclass
class SearchView:
    gallery: list[present.GalleryItem] = field(default_factory=list)
    rows: list[list] = field(default_factory=list)  # the ranking, for the API
    status: str = ""
    hits: str = ""  # HTML list
    found: dict[str, list[Box]] = field(default_factory=dict)  # page key -> the best region of each hit


@dataclass
class SettingsView:
    message: str
    lanes: list[str] | None = None  # the lanes now open, when they may have changed; None: leave as is
    image_query: bool | None = None  # whether a reference image can be given; None: leave as is
    chosen: UiPrefs | None = None  # this client's own choices (None: the app's settings)


class Handlers:
    def __init__(self, session: AppSession) -> None:
        self.session = session

    # -- the library ---------------------------------------------------------------------------------
    def library_view(self) -> LibraryView:
        with self.session.reading():
            library = self.session.library
            docs = library.documents()
            lanes = library.lane_progress()
            return LibraryView(
                status=present.library_status(docs, self.session.loading, lanes),
                documents=present.documents_html(docs),
                names=[d.name for d in docs if d.status == "complete"],
                examples=example_questions(library),
                busy=bool(self.session.loading) or any(p.queued and not p.error for p in lanes),
            )

    def add(
        self, files: Sequence[str] | None, *, replace: bool, username: str | None
    ) -> Iterator[ChangeView]:
        """Stage the uploads into the library, then ingest them: a row per file from the start, updated as
        it goes (`UploadBoard`), and the library list as each file lands."""
        session = self.session
        try:
            require(username, session.operator, "editor", "Adding documents")
        except NotAllowed as err:
            yield ChangeView(present.refusal_html(f"Not added: {err}."), self.library_view())
            return
        with session.reading():
            library = session.library
            staged = stage_uploads(
                files or [], Path(session.settings.library), session.settings.max_uploads_mb * 2**20
            )
            fresh = staged.files  # a copy of a document already in the library: Library.add says which
            board = UploadBoard.of(fresh, staged.refused)
            if not fresh:
                board.finish(AddReport())
                status = board.html() if board.refused else present.report_html(AddReport())
                yield ChangeView(status, self.library_view())
                return
            yield ChangeView(board.html(), None)
            events: queue.Queue = queue.Queue()

            def work() -> None:
                try:
                    events.put(library.add(fresh, replace=replace, progress=False, on_progress=events.put))
                except BaseException as err:  # handed to the generator, which raises it
                    events.put(err)

            worker = threading.Thread(target=work, name="pagelens-upload", daemon=True)
            worker.start()
            try:
                shown = time.monotonic()
                while isinstance(item := events.get(), AddProgress):
                    board.update(item)
                    if item.finished is not None:  # a file landed: the list grows with it
                        yield ChangeView(board.html(), self.library_view())
                    elif time.monotonic() - shown >= REFRESH_S:
                        yield ChangeView(board.html(), None)
                    else:
                        continue
                    shown = time.monotonic()
            finally:
                worker.join()  # the library stays held until its add is over, even if the page went away
            if isinstance(item, BaseException):
                raise item
            board.finish(item)
        yield ChangeView(board.html(), self.library_view())

    def remove(self, name: str | None, *, username: str | None) -> ChangeView:
        try:
            require(username, self.session.operator, "editor", "Removing documents")
        except NotAllowed as err:
            return ChangeView(present.refusal_html(f"Not removed: {err}."), self.library_view())
        if not name:
            return ChangeView("Choose a document to remove.", self.library_view())
        with self.session.reading():
            removed = self.session.library.remove(name)
        shown = html.escape(name)
        message = f"Removed <b>{shown}</b>." if removed else f"<b>{shown}</b> is not in the library."
        return ChangeView(message, self.library_view())

    # -- conversations -------------------------------------------------------------------------------
    def access(self, username: str | None) -> ChatAccess:
        return chat_access(username, self.session.operator)

    def conversation(self, conversation_id: str, *, username: str | None) -> ConversationView:
        """One conversation ("" or an id this user may not open: a new one); its Markdown export is written
        for download, in a folder of its own (two chats with one title never share a file)."""
        access = self.access(username)
        with self.session.reading():
            store = self.session.library.conversations()
            try:
                messages = store.messages(conversation_id, owner=access.scope) if conversation_id else []
                title = store.get(conversation_id).title if conversation_id else ""
            except KeyError:
                conversation_id, messages, title = "", [], ""
            cited = chats.latest_citations(messages)
            export = None
            if messages:
                export = self.session.export_path(conversation_id, f"{_file_stem(title)}.md")
                export.write_text(store.export_markdown(conversation_id), encoding="utf-8")
            return ConversationView(
                id=conversation_id,
                chat=chats.chat_messages(messages),
                gallery=present.citation_gallery(cited, self.session.thumbs),
                cited=chats.latest_keys(messages),
                boxes=chats.cited_boxes(messages),
                title=title,
                export=export,
                choices=[(c.title, c.id) for c in store.list(owner=access.scope)],
                show_examples=not messages,
            )

    def rename(
        self, conversation_id: str, title: str, *, username: str | None
    ) -> tuple[ConversationView, str]:
        """The renamed conversation's view, and a warning ("" when renamed or nothing to rename)."""
        warning = ""
        if conversation_id:
            try:
                with self.session.reading():
                    self.session.library.conversations().rename(
                        conversation_id, title, owner=self.access(username).scope
                    )
            except (KeyError, ValueError) as err:
                warning = f"Not renamed: {err}"
        return self.conversation(conversation_id or "", username=username), warning

    def delete(self, conversation_id: str, confirmed: bool, *, username: str | None) -> ConversationView:
        """Delete the chat and its Markdown export."""
        if conversation_id and confirmed:
            with self.session.reading():
                deleted = self.session.library.conversations().delete(
                    conversation_id, owner=self.access(username).scope
                )
            if deleted:
                self.session.forget_export(conversation_id)
            return self.conversation("", username=username)
        return self.conversation(conversation_id, username=username)

    # -- asking --------------------------------------------------------------------------------------
    def ask(
        self,
        question: str | None,
        history: Sequence[dict] | None,
        conversation_id: str | None,
        docs: Sequence[str] | None,
        chosen: UiPrefs | None,
        viewer_at: ViewerState | None,
        *,
        username: str | None,
    ) -> Iterator[AskView]:
        """Stream the answer into the chat; the finished turn is saved in the conversation (created by the
        first question) and the viewer opens the first cited page. API callers may leave out the
        conversation (a new one) and docs (all); their `history` stands in for a conversation's own.
        A conversation id this user may not open starts a new chat: nothing of another's is read or added to."""
        session = self.session
        access = self.access(username)
        with session.reading():
            question = clean_text(question or "")
            shown = self.conversation(conversation_id or "", username=username)
            chat = list(shown.chat)
            if not question:
                yield AskView(chat, shown)
                return
            if len(question) > session.settings.max_query_chars:  # refused before it is echoed into the chat
                chat.append(
                    {
                        "role": "assistant",
                        "content": f"Your question is {len(question):,} characters long; "
                        f"the limit is {session.settings.max_query_chars:,}. Please shorten it.",
                    }
                )
                yield AskView(chat, shown)
                return
            store = session.library.conversations()
            agent_history = (
                store.history(shown.id, owner=access.scope)
                if shown.id
                else chats.history_from_chat(history or [])
            )
            chat.append({"role": "user", "content": chats.literal(question)})
            steps = (
                [Step("wait", "Waiting for the sample corpus", session.loading)] if session.loading else []
            )
            chat.append(steps_message(steps, done=False))
            shown.show_examples = False  # for a failure's view below
            yield AskView(chat, taken=True)
            try:
                settings = session.settings_for(chosen)  # this session's backend choice, one cached each
                backend = backend_for(settings) or EXTRACTIVE
                for item in session.library.iter_ask(
                    question, agent_history, k=settings.k, backend=backend, docs=list(docs or []) or None
                ):
                    if isinstance(item, Step):
                        steps.append(item)
                        chat[-1] = steps_message(steps, done=False)
                        yield AskView(chat)
                    elif isinstance(item, Answer):
                        if not item.steps:  # an answerer that streams steps without repeating them
                            item.steps = steps
                        conversation = shown.id or store.create(owner=access.owner).id
                        store.record(conversation, question, item, owner=access.scope)
                        shown = self.conversation(conversation, username=username)
                        viewer = self._first_cited(viewer_at or ViewerState(), shown)
                        yield AskView(shown.chat, shown, viewer)
            except Exception as err:  # the chat must survive any failure; the message says what broke
                chat[-1] = steps_message(steps, done=True)
                chat.append({"role": "assistant", "content": f"Could not answer: {without_paths(str(err))}"})
                yield AskView(chat, shown)

    # -- the page viewer -----------------------------------------------------------------------------
    def _first_cited(self, state: ViewerState, shown: ConversationView) -> ViewerView:
        """The viewer at the last answer's first cited page; emptied when it cites none (an abstention
        must not leave an earlier answer's page looking like its source)."""
        if not shown.cited:
            return self.show(ViewerState(zoom=state.zoom))
        return self.open_page(state, shown.cited[0], shown.boxes)

    def open_page(
        self, state: ViewerState, key: str, boxes: dict | None, found: dict | None = None
    ) -> ViewerView:
        """Open the page a link names: `<answer>/<doc_id>:<page>` (a citation: that answer's regions on the
        document's pages are highlighted) or `<doc_id>:<page>` (a search result: the hits' best regions)."""
        answer, slash, page_key_ = (key or "").rpartition("/")
        doc_id, _, page = page_key_.rpartition(":")
        regions = boxes if slash else found
        prefix = f"{answer}/{doc_id}:" if slash else f"{doc_id}:"
        doc_boxes = {
            int(k[len(prefix) :]): tuple(tuple(box) for box in value)
            for k, value in (regions or {}).items()
            if k.startswith(prefix) and k[len(prefix) :].isdigit() and value
        }
        with self.session.reading():
            library = self.session.library
            doc = next((d for d in library.documents() if d.doc_id == doc_id), None)
            if doc is None or not page.isdigit():
                return ViewerView(state, viewer_html(library, state))
            state = open_citation(state, doc.name, int(page), doc_boxes)
            return ViewerView(state, viewer_html(library, state))

    def pick_cited(self, index: int, cited: Sequence[str] | None, boxes: dict, state: ViewerState):
        """A click on the cited pages' gallery (`cited`: their link keys)."""
        if not cited or not 0 <= index < len(cited):
            return self.show(state)
        return self.open_page(state, cited[index], boxes)

    def move(self, state: ViewerState, step: int) -> ViewerView:
        with self.session.reading():
            if state.doc:
                state = state.moved(step, page_count(self.session.library, state.doc))
            return ViewerView(state, viewer_html(self.session.library, state))

    def zoom(self, state: ViewerState, step: int) -> ViewerView:
        return self.show(state.zoomed(step))

    def show(self, state: ViewerState) -> ViewerView:
        with self.session.reading():
            return ViewerView(state, viewer_html(self.session.library, state))

    # -- search --------------------------------------------------------------------------------------
    def search(
        self,
        text: str | None,
        image: str | None,
        k: int,
        lanes: Sequence[str] | None = None,
        docs: Sequence[str] | None = None,
    ) -> SearchView:
        text = (text or "").strip() or None
        if text is None and not image:
            return SearchView(status="Type a query, or give a reference image.")
        with self.session.reading():
            library = self.session.library
            lanes = list(lanes or []) or None
            active = lanes or library.lanes
            if image and not any(family_of(lane).takes_images for lane in active):
                image_lanes = ", ".join(f.name for f in families() if f.takes_images)
                return SearchView(
                    status=f"Image queries need a visual lane ({image_lanes}); this search "
                    f"uses {', '.join(active)}. Add one under Settings → lanes."
                )
            try:
                hits = library.search(
                    text, int(k), image=image or None, lanes=lanes, docs=list(docs or []) or None
                )
            except ValueError as err:
                return SearchView(status=f"Search failed: {err}")
        scope = f" in {len(docs)} chosen document{'s' * (len(docs) != 1)}" if docs else ""
        return SearchView(
            gallery=present.hit_gallery(hits, self.session.thumbs),
            rows=present.hit_rows(hits, text or ""),
            status=f"{present.pages_text(len(hits))}{scope}."
            if hits
            else present.no_match(text, len(docs or [])),
            hits=present.hits_html(hits, text or "", show_lanes=len(active) > 1),
            found={h.key: [tuple(h.region.box)] if h.region is not None else [] for h in hits},
        )

    # -- settings ------------------------------------------------------------------------------------
    def save_settings(
        self,
        lanes_text: str | None,
        k: int,
        backend: str,
        base_url: str | None,
        model: str | None,
        current: UiPrefs | None,
        *,
        username: str | None,
    ) -> SettingsView:
        """An admin's choice is saved for everyone; anyone else's holds for their session only."""
        session = self.session
        lanes = [lane.strip() for lane in (lanes_text or "").split(",")]
        try:
            chosen = UiPrefs(
                lanes=lanes, k=int(k), llm_backend=backend, llm_base_url=base_url or "", llm_model=model or ""
            ).validated(session.operator)
            try:
                require(username, session.operator, "admin", "Saving settings for everyone")
            except NotAllowed:
                with session.reading():
                    open_lanes = session.library.lanes
                if chosen.lanes != open_lanes:
                    require(username, session.operator, "admin", "Changing the lanes")
                return SettingsView("Applied to this session only.", chosen=chosen)
        except (ValueError, MissingExtraError, NotAllowed) as err:
            return SettingsView(f"Not saved: {err}", chosen=current)
        message = session.apply_prefs(chosen)
        with session.reading():
            return SettingsView(
                message,
                lanes=list(session.library.lanes),
                image_query=bool(session.image_lanes()),
                chosen=None if message == "Saved." else current,
            )


def _file_stem(title: str) -> str:
    """A file name from a chat title: letters, digits, spaces, dashes."""
    stem = "".join(ch if ch.isalnum() or ch in " -_" else " " for ch in title)
    return "-".join(stem.split())[:60] or "chat"
