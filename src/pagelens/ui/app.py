"""The Gradio app: chats and the library on the left, the chat in the centre, cited pages and the page
viewer on the right; a Search tab and a Settings tab.

`build_app(library, settings)` returns the Blocks; `launch(settings)` opens the library, serves the app with
the security defaults of `server_options`, and loads the sample corpus into an empty library in the
background (the page is usable at once and shows the list growing).
Named API endpoints (`/add`, `/remove`, `/search`, `/ask`, `/settings`) let `gradio_client` script everything
the page does; the chat's conversation id and the chosen documents are plain inputs there.
"""

from __future__ import annotations

import html
import os
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402  (the analytics switch must be set before the import)

from ..assets import SAMPLE_DIR, sample_documents  # noqa: E402
from ..config import Settings  # noqa: E402
from ..errors import MissingExtraError  # noqa: E402
from ..ingest.pipeline import warm_up  # noqa: E402
from ..inputs import clean_text  # noqa: E402
from ..lanes.registry import families, family_of  # noqa: E402
from ..layout import LibraryLayout  # noqa: E402
from ..library import Library  # noqa: E402
from ..rag.backends import backend_for  # noqa: E402
from ..types import AddProgress, AddReport, Answer, Step, page_key  # noqa: E402
from . import chats, present  # noqa: E402
from .examples import EXAMPLE_COUNT, example_questions  # noqa: E402
from .originals import mount as mount_originals  # noqa: E402
from .prefs import UiPrefs, backend_choices, endpoint_choices, load_prefs, prefs_path, save_prefs  # noqa: E402
from .security import NotAllowed, host_check, parse_auth, require  # noqa: E402
from .steps import steps_message  # noqa: E402
from .uploads import stage_uploads, supported  # noqa: E402
from .viewer import ViewerState, open_citation, page_count, viewer_html  # noqa: E402

ASSETS = Path(__file__).resolve().parent


@dataclass
class AppSession:
    """The open library and the settings the app runs with; an admin's Settings tab may swap both.

    `operator` is what the operator configured (environment), the bounds of every choice made in the app."""

    library: Library
    settings: Settings
    operator: Settings | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    loading: str = ""  # what the sample loader is doing; empty when nothing is loading in the background
    loaded: str = ""  # what it did, once done
    exports: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="pagelens-export-")))

    def __post_init__(self) -> None:
        self.operator = self.operator or self.settings

    def settings_for(self, chosen: UiPrefs | None) -> Settings:
        """The settings a client's session answers with: its own choices, else the app's."""
        return chosen.apply(self.operator).replace(library=self.settings.library) if chosen else self.settings

    @property
    def thumbs(self) -> Path:
        return LibraryLayout(Path(self.settings.library)).ui_cache

    def image_lanes(self) -> list[str]:
        """The open lanes that embed a reference image (composed queries)."""
        return [lane for lane in self.library.lanes if family_of(lane).takes_images]


def server_options(settings: Settings) -> dict:
    """`Blocks.launch` keyword arguments: bind address, Host check, upload cap, auth with roles, the only
    paths served, and the app's CSS and script."""
    layout = LibraryLayout(Path(settings.library).resolve())
    options: dict = {
        "server_name": settings.host,
        "server_port": settings.port,
        "max_file_size": f"{settings.max_upload_mb}mb",
        "allowed_paths": [str(path) for path in layout.served],
        "blocked_paths": [str(path) for path in layout.private],
        "show_error": True,
        "app_kwargs": {"middleware": host_check(settings)},
        "css": (ASSETS / "app.css").read_text(encoding="utf-8"),
        "head": f"<script>{(ASSETS / 'app.js').read_text(encoding='utf-8')}</script>",
    }
    users = parse_auth(settings.auth)
    if users:
        options["auth"] = [(user.name, user.password) for user in users.values()]
    return options


def add_to_library(
    session: AppSession, files: Sequence[str] | None, progress=gr.Progress(), *, replace: bool = False
) -> AddReport:
    """Stage uploads into the library, then ingest them with a progress bar in pages (pages/s, the file)."""
    staged = stage_uploads(
        files or [], Path(session.settings.library), session.settings.max_uploads_mb * 2**20
    )
    report = AddReport(files=list(staged.refused))
    if not staged.files:
        return report

    def on_progress(state: AddProgress) -> None:
        finished = state.files_done == state.files_total
        progress(
            (state.pages_done, state.pages_total),
            unit="pages",
            desc="Done" if finished else f"Adding {state.name} ({state.summary})",
        )

    report.files += session.library.add(
        staged.files, replace=replace, progress=False, on_progress=on_progress
    ).files
    return report


def build_app(library: Library, settings: Settings) -> gr.Blocks:
    return _build(AppSession(library=library, settings=settings))


def _build(session: AppSession) -> gr.Blocks:
    prefs = UiPrefs.from_settings(session.settings)

    # -- library views (refreshed after every change) ---------------------------------------------------
    def library_views():
        docs = session.library.documents()
        names = [d.name for d in docs if d.status == "complete"]
        examples = example_questions(session.library)
        buttons = [gr.Button(value=q, visible=True) for q in examples]
        buttons += [gr.Button(value="", visible=False)] * (EXAMPLE_COUNT - len(buttons))
        return (
            present.library_status(docs, session.loading),
            present.documents_html(docs),
            gr.Dropdown(choices=names, value=None),
            gr.Dropdown(choices=names),
            gr.Dropdown(choices=names),
            *buttons,
        )

    def loading_view():
        """While the sample corpus loads: its progress, the growing document list, and the timer kept on."""
        return (*library_views(), gr.Timer(active=bool(session.loading)))

    def on_add(files, replace, request: gr.Request, progress=gr.Progress()):
        try:
            require(request.username, session.operator, "editor", "Adding documents")
        except NotAllowed as err:
            return (present.refusal_html(f"Not added: {err}."), None, *library_views())
        report = add_to_library(session, files, progress, replace=bool(replace))
        return (present.report_html(report), None, *library_views())

    def on_add_folder(files, replace, request: gr.Request, progress=gr.Progress()):
        return on_add(supported(files or []), replace, request, progress)

    def on_remove(name, request: gr.Request):
        try:
            require(request.username, session.operator, "editor", "Removing documents")
        except NotAllowed as err:
            return (present.refusal_html(f"Not removed: {err}."), *library_views())
        if not name:
            return ("Choose a document to remove.", *library_views())
        removed = session.library.remove(name)
        shown = html.escape(name)
        message = f"Removed <b>{shown}</b>." if removed else f"<b>{shown}</b> is not in the library."
        return (message, *library_views())

    # -- conversations ----------------------------------------------------------------------------------
    def conversation_choices():
        return [(c.title, c.id) for c in session.library.conversations().list()]

    def show_conversation(conversation_id: str):
        """For one conversation ("" for a new one): its id, chat, cited pages (gallery, citations, boxes), title,
        export file, the sidebar list, the id the browser remembers, and whether the example questions show."""
        store = session.library.conversations()
        try:
            messages = store.messages(conversation_id) if conversation_id else []
            title = store.get(conversation_id).title if conversation_id else ""
        except KeyError:
            conversation_id, messages, title = "", [], ""
        cited = chats.latest_citations(messages)
        export = None
        if messages:
            export = session.exports / f"{_file_stem(title)}.md"
            export.write_text(store.export_markdown(conversation_id), encoding="utf-8")
        return (
            conversation_id,
            chats.chat_messages(messages),
            present.citation_gallery(cited, session.thumbs),
            cited,
            chats.cited_boxes(messages),
            title,
            gr.DownloadButton(value=export, interactive=bool(export)),
            gr.Radio(choices=conversation_choices(), value=conversation_id or None),
            conversation_id,
            gr.Row(visible=not messages),
        )

    def on_load(remembered):
        known = {c.id for c in session.library.conversations().list()}
        start = remembered if remembered in known else ""
        return (*show_conversation(start), *loading_view())

    def on_new_chat():
        return show_conversation("")

    def on_rename(conversation_id, title):
        """The renamed conversation's view (the list, the title box and the export file follow the name)."""
        if conversation_id:
            try:
                session.library.conversations().rename(conversation_id, title)
            except (KeyError, ValueError) as err:
                gr.Warning(f"Not renamed: {err}")
        return show_conversation(conversation_id or "")

    def on_delete(conversation_id, confirmed):
        if conversation_id and confirmed:
            session.library.conversations().delete(conversation_id)
            return show_conversation("")
        return show_conversation(conversation_id)

    def on_ask(
        question,
        history=None,
        conversation_id=None,
        docs=None,
        chosen: UiPrefs | None = None,
        viewer_at: ViewerState | None = None,
    ):
        """Stream the answer into the chat; the finished turn is saved in the conversation (created by the
        first question) and the viewer opens the first cited page. Yields the chat, the cited pages, the
        conversation id, an empty question box, the rest of the conversation's view, and the viewer.
        API callers may leave out the conversation (a new one) and docs (all).
        """

        def view(shown, chat, opened: ViewerState | None = None):
            viewer_update = (
                (opened, viewer_html(session.library, opened)) if opened else (gr.skip(), gr.skip())
            )
            return (chat, shown[2], shown[0], "", *shown[3:], *viewer_update)

        question = clean_text(question or "")
        store = session.library.conversations()
        shown = show_conversation(conversation_id or "")
        conversation_id, chat = shown[0], list(shown[1])
        if not question:
            yield view(shown, chat)
            return
        if len(question) > session.settings.max_query_chars:  # refused before it is echoed into the chat
            chat.append(
                {
                    "role": "assistant",
                    "content": f"Your question is {len(question):,} characters long; "
                    f"the limit is {session.settings.max_query_chars:,}. Please shorten it.",
                }
            )
            yield view(shown, chat)
            return
        agent_history = (
            store.history(conversation_id) if conversation_id else chats.history_from_chat(history)
        )
        chat.append({"role": "user", "content": question})
        steps = [Step("wait", "Waiting for the sample corpus", session.loading)] if session.loading else []
        chat.append(steps_message(steps, done=False))
        shown = (*shown[:-1], gr.Row(visible=False))
        yield view(shown, chat)
        try:
            settings = session.settings_for(chosen)  # this session's backend choice, one cached backend each
            backend = backend_for(settings) or "extractive"
            for item in session.library.iter_ask(
                question, agent_history, k=settings.k, backend=backend, docs=list(docs or []) or None
            ):
                if isinstance(item, Step):
                    steps.append(item)
                    chat[-1] = steps_message(steps, done=False)
                    yield view(shown, chat)
                elif isinstance(item, Answer):
                    if not item.steps:  # an answerer that streams steps without repeating them in the Answer
                        item.steps = steps
                    if not conversation_id:
                        conversation_id = store.create().id
                    store.record(conversation_id, question, item)
                    shown = show_conversation(conversation_id)
                    yield view(shown, shown[1], _first_cited(viewer_at or ViewerState(), item, shown[4]))
        except Exception as err:  # the chat must survive any failure; the message says what broke
            chat[-1] = steps_message(steps, done=True)
            chat.append({"role": "assistant", "content": f"Could not answer: {err}"})
            yield view(shown, chat)

    # -- the page viewer ----------------------------------------------------------------------------------
    def _first_cited(state: ViewerState, answer: Answer, boxes: dict) -> ViewerState | None:
        """The viewer at the answer's first cited page (None: the answer cites nothing)."""
        if not answer.citations:
            return None
        first = answer.citations[0]
        return open_page(state, page_key(first.doc_id, first.page), boxes)[0]

    def open_page(state: ViewerState, key: str, boxes: dict, found: dict | None = None):
        """Open the page with this key; the cited (or found) regions of its document are highlighted."""
        boxes = {**(found or {}), **{k: v for k, v in (boxes or {}).items() if v is not None}}
        doc_id, _, page = (key or "").rpartition(":")
        doc = next((d for d in session.library.documents() if d.doc_id == doc_id), None)
        if doc is None or not page.isdigit():
            return state, viewer_html(session.library, state)
        doc_boxes = {
            int(k.rpartition(":")[2]): box
            for k, box in (boxes or {}).items()
            if k.rpartition(":")[0] == doc_id and box is not None
        }
        state = open_citation(state, doc.name, int(page), doc_boxes)
        return state, viewer_html(session.library, state)

    def on_open_link(state: ViewerState, key: str, boxes: dict, found: dict):
        """A page link in an answer or a search result: the viewer, shown in the Chat tab."""
        return (*open_page(state, key, boxes, found), gr.Tabs(selected="chat"))

    def on_pick_cited(event: gr.SelectData, cited, boxes, state):
        citation = cited[event.index] if cited and 0 <= event.index < len(cited) else None
        if citation is None:
            return state, viewer_html(session.library, state)
        return open_page(state, page_key(citation.doc_id, citation.page), boxes)

    def on_move(state: ViewerState, step: int):
        state = state.moved(step, page_count(session.library, state.doc)) if state.doc else state
        return state, viewer_html(session.library, state)

    def on_zoom(state: ViewerState, step: int):
        state = state.zoomed(step)
        return state, viewer_html(session.library, state)

    # -- search -------------------------------------------------------------------------------------------
    def on_search(text, image, k, lanes=None, docs=None):
        """Gallery, ranking (for the API), status line, the results list, and the highlighted regions."""
        text = (text or "").strip() or None
        if text is None and not image:
            return [], [], "Type a query, or give a reference image.", "", {}
        lanes = list(lanes or []) or None
        active = lanes or session.library.lanes
        if image and not any(family_of(lane).takes_images for lane in active):
            image_lanes = ", ".join(f.name for f in families() if f.takes_images)
            return (
                [],
                [],
                (
                    f"Image queries need a visual lane ({image_lanes}); this search "
                    f"uses {', '.join(active)}. Add one under Settings → lanes."
                ),
                "",
                {},
            )
        try:
            hits = session.library.search(
                text, int(k), image=image or None, lanes=lanes, docs=list(docs or []) or None
            )
        except ValueError as err:
            return [], [], f"Search failed: {err}", "", {}
        scope = f" in {len(docs)} chosen document{'s' * (len(docs) != 1)}" if docs else ""
        message = f"{len(hits)} pages{scope}." if hits else f"No matching pages{scope}."
        return (
            present.hit_gallery(hits, session.thumbs),
            present.hit_rows(hits, text or ""),
            message,
            present.hits_html(hits, text or "", show_lanes=len(active) > 1),
            {h.key: tuple(h.region.box) if h.region is not None else None for h in hits},
        )

    def search_controls():
        lanes = session.library.lanes
        return (
            gr.CheckboxGroup(choices=lanes, value=lanes, visible=len(lanes) > 1),
            gr.Image(visible=bool(session.image_lanes())),
        )

    def on_save_settings(
        lanes_text, k, backend, base_url, model, current: UiPrefs | None, request: gr.Request
    ):
        """An admin's choice is saved for everyone; anyone else's holds for their session only."""
        lanes = [lane.strip() for lane in (lanes_text or "").split(",")]
        try:
            chosen = UiPrefs(
                lanes=lanes, k=int(k), llm_backend=backend, llm_base_url=base_url or "", llm_model=model or ""
            ).validated(session.operator)
            try:
                require(request.username, session.operator, "admin", "Saving settings for everyone")
            except NotAllowed:
                if chosen.lanes != session.library.lanes:
                    require(request.username, session.operator, "admin", "Changing the lanes")
                return "Applied to this session only.", gr.CheckboxGroup(), gr.Image(), chosen
        except (ValueError, MissingExtraError, NotAllowed) as err:
            return f"Not saved: {err}", gr.CheckboxGroup(), gr.Image(), current
        message = _apply_prefs(session, chosen)
        return message, *search_controls(), None if message == "Saved." else current

    # -- layout ---------------------------------------------------------------------------------------------
    lanes = session.library.lanes
    # delete_cache: Gradio's own copies of uploads and outputs older than a day go, checked hourly
    with gr.Blocks(title="pagelens", delete_cache=(3600, 86400)) as app:
        with gr.Row(elem_id="pl-header"):
            gr.Markdown("**pagelens** · ask your documents, see the pages", elem_id="pl-title")
            library_status = gr.Markdown(elem_id="library-status")
        conversation = gr.Textbox(
            elem_id="pl-conversation", elem_classes="pl-hidden", show_label=False, label="conversation id"
        )
        remembered = gr.BrowserState("", storage_key="pagelens-conversation")
        cited_state = gr.State([])
        boxes_state = gr.State({})  # page key -> cited region, over the open conversation
        found_state = gr.State({})  # page key -> best region, over the last search's hits
        viewer_state = gr.State(ViewerState())
        open_key = gr.Textbox(elem_id="pl-open", elem_classes="pl-hidden", show_label=False)
        open_button = gr.Button("open page", elem_id="pl-open-button", elem_classes="pl-hidden")
        with gr.Tabs() as tabs:
            with gr.Tab("Chat", id="chat"):
                with gr.Row(elem_id="pl-main"):
                    with gr.Column(scale=1, min_width=250, elem_id="pl-side"):
                        new_chat = gr.Button("+ New chat", elem_id="new-chat", variant="primary", size="sm")
                        chat_list = gr.Radio(choices=[], label="Chats", elem_id="chats")
                        with gr.Accordion(
                            "Rename, export or delete this chat", open=False, elem_id="chat-tools"
                        ):
                            title_box = gr.Textbox(label="Title", elem_id="chat-title", max_lines=1)
                            with gr.Row():
                                rename = gr.Button("Rename", size="sm", elem_id="rename-chat")
                                delete = gr.Button("Delete", size="sm", variant="stop", elem_id="delete-chat")
                            export = gr.DownloadButton(
                                "Export as Markdown", size="sm", interactive=False, elem_id="export-chat"
                            )
                        upload = gr.File(
                            label="Drop PDFs, HTML pages or page images",
                            file_count="multiple",
                            elem_id="upload",
                            height=150,
                        )
                        folder = gr.UploadButton("Add a folder", file_count="directory", size="sm")
                        # off: a different file under a name already in the library is added as "name (2)"
                        replace = gr.Checkbox(
                            False, label="Replace documents with the same name", elem_id="replace"
                        )
                        add_status = gr.HTML(elem_id="add-status")
                        docs = gr.HTML(elem_id="documents", label="Library")
                        with gr.Row():
                            # any name is accepted here (scripts remove by name); on_remove checks it
                            to_remove = gr.Dropdown(
                                label="Remove a document",
                                choices=[],
                                scale=3,
                                elem_id="to-remove",
                                allow_custom_value=True,
                            )
                            remove = gr.Button("Remove", variant="stop", size="sm", scale=1, elem_id="remove")
                    with gr.Column(scale=3, min_width=320, elem_id="pl-chat-col"):
                        chat_scope = gr.Dropdown(
                            label="Ask within",
                            choices=[],
                            multiselect=True,
                            elem_id="chat-scope",
                            allow_custom_value=True,  # scripts name documents; checked on use
                            info="Choose documents, or leave empty to ask the whole library",
                        )
                        chat = gr.Chatbot(
                            label="Chat",
                            height=520,
                            elem_id="chat",
                            buttons=["copy"],
                            placeholder="Ask a question about your documents, or try an example below.",
                        )
                        with gr.Row(elem_id="examples") as examples_row:
                            examples = [
                                gr.Button("", visible=False, size="sm", elem_classes="pl-example")
                                for _ in range(EXAMPLE_COUNT)
                            ]
                        question = gr.Textbox(
                            placeholder="Ask a question about your documents…",
                            show_label=False,
                            elem_id="question",
                            submit_btn=True,
                        )
                    with gr.Column(scale=2, min_width=300, elem_id="pl-pages-col"):
                        cited = gr.Gallery(
                            label="Cited pages (click to view)",
                            columns=4,
                            height=150,
                            elem_id="cited",
                            object_fit="contain",
                            allow_preview=False,
                        )
                        with gr.Row(elem_id="viewer-controls"):
                            previous = gr.Button("◀ Previous", size="sm", elem_id="viewer-prev", min_width=60)
                            following = gr.Button("Next ▶", size="sm", elem_id="viewer-next", min_width=60)
                            zoom_out = gr.Button("Zoom −", size="sm", elem_id="viewer-zoom-out", min_width=60)
                            zoom_in = gr.Button("Zoom +", size="sm", elem_id="viewer-zoom-in", min_width=60)
                        viewer = gr.HTML(viewer_html(session.library, ViewerState()), elem_id="viewer")
            with gr.Tab("Search"):
                with gr.Row():
                    query = gr.Textbox(label="Query", scale=3, elem_id="search-query")
                    # image_mode=None: Gradio hands over the path without decoding (its default "RGB" converts
                    # first), so the library's pixel-count check runs before any decode
                    reference = gr.Image(
                        label="Reference image (optional, composed query)",
                        type="filepath",
                        scale=1,
                        height=160,
                        visible=bool(session.image_lanes()),
                        elem_id="search-image",
                        image_mode=None,
                    )
                with gr.Row():
                    search_scope = gr.Dropdown(
                        label="Search within",
                        choices=[],
                        multiselect=True,
                        scale=3,
                        elem_id="search-scope",
                        info="Leave empty to search every document",
                        allow_custom_value=True,
                    )  # scripts name documents; checked on use
                    k = gr.Slider(1, 50, value=prefs.k, step=1, label="Pages", scale=1)
                    search_lanes = gr.CheckboxGroup(
                        choices=lanes, value=lanes, label="Lanes", visible=len(lanes) > 1
                    )
                    search = gr.Button("Search", variant="primary", scale=1)
                search_status = gr.Markdown(elem_id="search-status")
                with gr.Row():
                    with gr.Column(scale=3):
                        hits_list = gr.HTML(elem_id="hits")
                    with gr.Column(scale=2):
                        results = gr.Gallery(
                            label="Pages",
                            columns=3,
                            height=520,
                            object_fit="contain",
                            elem_id="results",
                            allow_preview=True,
                        )
                ranking = gr.Dataframe(headers=present.HIT_COLUMNS, interactive=False, visible=False)
            with gr.Tab("Settings"):
                lanes_box = gr.Textbox(
                    value=", ".join(prefs.lanes),
                    label="Lanes (text, dse, clip:<model>/<pretrained>, "
                    "colpali:<checkpoint>); a new lane embeds the whole library",
                )
                k_default = gr.Slider(1, 100, value=prefs.k, step=1, label="Pages per search (k)")
                backend = gr.Dropdown(
                    choices=backend_choices(session.operator),
                    value=prefs.llm_backend,
                    label="Answer backend",
                    allow_custom_value=True,
                )  # UiPrefs.validated says why not
                base_url = gr.Dropdown(
                    choices=endpoint_choices(session.operator),
                    value=prefs.llm_base_url.rstrip("/"),
                    label="OpenAI-compatible endpoint (the operator's choices)",
                    allow_custom_value=True,
                )  # checked by UiPrefs.validated, with a message
                model = gr.Textbox(value=prefs.llm_model, label="Model")
                gr.Markdown(present.installed_lanes_markdown(families()), elem_id="installed-lanes")
                save = gr.Button("Save", variant="primary")
                settings_status = gr.Markdown()
                session_prefs = gr.State(
                    None
                )  # this client's own choices (UiPrefs), None: the app's settings

        # -- events -------------------------------------------------------------------------------------------
        views = [library_status, docs, to_remove, chat_scope, search_scope, *examples]
        shown = [
            conversation,
            chat,
            cited,
            cited_state,
            boxes_state,
            title_box,
            export,
            chat_list,
            remembered,
            examples_row,
        ]
        upload.upload(
            on_add,
            [upload, replace],
            [add_status, upload, *views],
            api_name="add",
            show_progress_on=[add_status],
        )
        folder.upload(
            on_add_folder,
            [folder, replace],
            [add_status, upload, *views],
            api_visibility="private",
            show_progress_on=[add_status],
        )
        remove.click(
            on_remove,
            to_remove,
            [add_status, *views],
            api_name="remove",
            js="(name) => (name && confirm(`Remove ${name} from the library?`)) ? name : null",
        )

        ask_inputs = [question, chat, conversation, chat_scope, session_prefs, viewer_state]
        ask_outputs = [chat, cited, conversation, question, *shown[3:], viewer_state, viewer]
        question.submit(on_ask, ask_inputs, ask_outputs, api_name="ask")
        for button in examples:
            button.click(
                on_ask,
                [button, chat, conversation, chat_scope, session_prefs, viewer_state],
                ask_outputs,
                api_visibility="private",
            )
        new_chat.click(on_new_chat, None, shown, api_visibility="private")
        chat.clear(on_new_chat, None, shown, api_visibility="private")  # the chat's bin starts a new chat
        chat_list.input(show_conversation, chat_list, shown, api_visibility="private")
        rename.click(on_rename, [conversation, title_box], shown, api_visibility="private")
        confirmed = gr.Checkbox(visible=False)
        delete.click(
            on_delete,
            [conversation, confirmed],
            shown,
            api_visibility="private",
            js="(id, _) => [id, confirm('Delete this chat? This cannot be undone.')]",
        )

        open_button.click(
            on_open_link,
            [viewer_state, open_key, boxes_state, found_state],
            [viewer_state, viewer, tabs],
            api_visibility="private",
        )
        cited.select(
            on_pick_cited,
            [cited_state, boxes_state, viewer_state],
            [viewer_state, viewer],
            api_visibility="private",
        )
        previous.click(
            lambda s: on_move(s, -1), viewer_state, [viewer_state, viewer], api_visibility="private"
        )
        following.click(
            lambda s: on_move(s, 1), viewer_state, [viewer_state, viewer], api_visibility="private"
        )
        zoom_out.click(
            lambda s: on_zoom(s, -1), viewer_state, [viewer_state, viewer], api_visibility="private"
        )
        zoom_in.click(lambda s: on_zoom(s, 1), viewer_state, [viewer_state, viewer], api_visibility="private")

        search_inputs = [query, reference, k, search_lanes, search_scope]
        search_outputs = [results, ranking, search_status, hits_list, found_state]
        search.click(on_search, search_inputs, search_outputs, api_name="search")
        query.submit(on_search, search_inputs, search_outputs, api_visibility="private")
        save.click(
            on_save_settings,
            [lanes_box, k_default, backend, base_url, model, session_prefs],
            [settings_status, search_lanes, reference, session_prefs],
            api_name="settings",
        )
        refresh = gr.Timer(2.0, active=bool(session.loading))
        refresh.tick(loading_view, None, [*views, refresh], api_visibility="private", show_progress="hidden")
        app.load(on_load, remembered, [*shown, *views, refresh], api_visibility="private")
    return app


def _file_stem(title: str) -> str:
    """A file name from a chat title: letters, digits, spaces, dashes."""
    stem = "".join(ch if ch.isalnum() or ch in " -_" else " " for ch in title)
    return "-".join(stem.split())[:60] or "chat"


def _apply_prefs(session: AppSession, chosen: UiPrefs) -> str:
    """Persist an admin's prefs and use them now for everyone. New lanes reopen the library (a lane new to it
    embeds every page); when they cannot be opened (e.g. model weights missing) the library reopens with its
    previous lanes."""
    updated = chosen.apply(session.operator).replace(library=session.settings.library)
    with session.lock:
        if updated.lanes != session.library.lanes:
            previous = session.library.lanes
            session.library.close()
            try:
                session.library = Library(updated.library, lanes=updated.lanes, settings=updated)
            except Exception as err:  # a lane whose model cannot load: say so, keep the working library
                session.library = Library(updated.library, lanes=previous, settings=session.settings)
                return f"Not saved: the lanes {', '.join(updated.lanes)} cannot be opened: {err}"
        session.settings = updated
    save_prefs(Path(updated.library), chosen, session.operator)
    return "Saved."


def sample_files(library: Library, sample_dir: Path | None) -> list[Path]:
    """The bundled sample documents when the library is empty (a first start), else nothing."""
    if sample_dir is None or not sample_dir.is_dir() or library.documents():
        return []
    return sample_documents(sample_dir)


def _load_sample(session: AppSession, files: list[Path]) -> None:
    """Add the sample corpus while the app already serves (the page shows progress and the list grows)."""

    def on_progress(state: AddProgress) -> None:
        session.loading = f"Loading the sample corpus: {state.summary} ({state.name})…"

    try:
        report = session.library.add(files, progress=False, on_progress=on_progress)
        session.loaded = f"Sample corpus loaded ({sum(f.pages for f in report.files)} pages)."
        print(session.loaded, flush=True)
    finally:
        session.loading = ""


def open_library(settings: Settings, lanes: Sequence[str] | None = None) -> tuple[Library, Settings]:
    """The library at settings.library with the app's saved prefs applied over `settings`.

    Lanes: `lanes` when given, else those saved in the app's Settings tab, else the ones the library
    remembers (opening it with fewer would leave the others stale), else settings.lanes for a new library."""
    root = Path(settings.library)
    prefs = load_prefs(root, settings)
    if lanes is None and prefs_path(root).is_file():
        lanes = prefs.lanes
    library = Library(root, lanes=lanes, settings=prefs.apply(settings))
    return library, library.settings


@dataclass
class Served:
    """A running app: the Blocks, its session (library and settings) and the address it listens on."""

    app: gr.Blocks
    session: AppSession
    url: str = ""

    @property
    def library(self) -> Library:
        """The library served now (the Settings tab may have reopened it with other lanes)."""
        return self.session.library

    def close(self) -> None:
        self.app.close()
        self.session.library.close()


def launch(
    settings: Settings,
    *,
    lanes: Sequence[str] | None = None,
    sample_dir: Path | None = SAMPLE_DIR,
    prevent_thread_lock: bool = False,
) -> Served:
    """Open the library (loading the sample corpus into an empty one) and serve the app.

    `lanes`: explicit lanes (e.g. from `pagelens serve --lanes`), else see `open_library`.
    Blocks until the server stops unless `prevent_thread_lock` (tests, notebooks)."""
    operator = settings
    library, settings = open_library(settings, lanes)
    warm_up(settings)  # the rendering worker starts while the page loads, so the first drop ingests at once
    session = AppSession(library=library, settings=settings, operator=operator)
    samples = sample_files(library, sample_dir)
    if samples:
        session.loading = f"Loading the sample corpus ({len(samples)} files)…"
    app = _build(session)
    app.queue(default_concurrency_limit=1)
    served = Served(app=app, session=session)
    try:
        app.launch(prevent_thread_lock=True, **server_options(settings))
        mount_originals(app.server_app, lambda: session.library)
        served.url = app.local_url
        if samples:
            threading.Thread(
                target=_load_sample, args=(session, samples), name="pagelens-sample", daemon=True
            ).start()
        if not prevent_thread_lock:
            app.block_thread()
    except BaseException:
        served.close()
        raise
    return served
