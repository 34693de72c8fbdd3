"""The Gradio app's layout and wiring: chats and the library on the left, the chat in the centre, cited pages
and the page viewer on the right; a Search tab and a Settings tab.

`build(session)` lays the page out and wires each event to a handler of `ui/handlers.py`, turning the named
view it returns into component updates; nothing else happens here (`ui/server.py` opens the library and
serves). Named API endpoints (`/add`, `/remove`, `/search`, `/ask`, `/settings`) let `gradio_client` script
everything the page does; the chat's conversation id and the chosen documents are plain inputs there.
"""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from ..config import Settings
from ..lanes.registry import families
from ..library import Library
from . import present
from .examples import EXAMPLE_COUNT
from .handlers import AskView, ChangeView, ConversationView, Handlers, LibraryView, SearchView, ViewerView
from .prefs import UiPrefs, backend_choices, endpoint_choices
from .session import AppSession
from .uploads import supported, supported_types
from .viewer import ViewerState

ASSETS = Path(__file__).resolve().parent
# adds, removes and settings changes run one at a time, in one queue (the library has one writer); every
# other event (search, ask, the viewer) runs concurrently up to the queue's default limit (ui/server.py)
WRITES = {"concurrency_id": "library-writes", "concurrency_limit": 1}


def build_app(library: Library, settings: Settings) -> gr.Blocks:
    return build(AppSession(library=library, settings=settings))


def library_updates(view: LibraryView) -> tuple:
    """-> status, documents, remove picker, chat scope, search scope, the example buttons."""
    buttons = [gr.Button(value=q, visible=True) for q in view.examples]
    buttons += [gr.Button(value="", visible=False)] * (EXAMPLE_COUNT - len(buttons))
    names = view.names
    return (
        view.status,
        view.documents,
        gr.Dropdown(choices=names, value=None),
        gr.Dropdown(choices=names),
        gr.Dropdown(choices=names),
        *buttons,
    )


LIBRARY_OUTPUTS = 5 + EXAMPLE_COUNT  # what library_updates returns


def conversation_updates(view: ConversationView) -> tuple:
    """-> id, chat, cited gallery, their link keys, boxes, title, export, chat list, remembered id, examples row."""
    return (
        view.id,
        view.chat,
        view.gallery,
        view.cited,
        view.boxes,
        view.title,
        gr.DownloadButton(value=view.export, interactive=bool(view.export)),
        gr.Radio(choices=view.choices, value=view.id or None),
        view.id,
        gr.Row(visible=view.show_examples),
    )


def viewer_updates(view: ViewerView | None) -> tuple:
    """-> viewer state, viewer HTML (left as they are for None)."""
    return (view.state, view.html) if view is not None else (gr.skip(), gr.skip())


CONVERSATION_OUTPUTS = 10  # what conversation_updates returns
# the title box's, the export's, the chat list's and the remembered id's places among them
SETTLED_KEEPS = (5, 6, 7, 8)


def ask_updates(view: AskView, *, settled: bool = False) -> tuple:
    """-> chat, cited gallery, id, the question box, the rest of the conversation, the viewer; each one the
    view does not change is left as it is. `settled`: a stream's closing chunk, which leaves the title and
    the viewer alone too (`build.on_ask` says why)."""
    if view.conversation is None:
        conversation = [gr.skip()] * CONVERSATION_OUTPUTS
    else:
        conversation = list(conversation_updates(view.conversation))
    if view.taken:
        conversation[-1] = gr.Row(visible=False)  # the examples row
    viewer = viewer_updates(view.viewer)
    if settled:  # what the user may have changed since the last chunk: the title, and by renaming, the list
        for kept in SETTLED_KEEPS:
            conversation[kept] = gr.skip()
        viewer = viewer_updates(None)
    question = "" if view.taken and not settled else gr.skip()
    return (view.chat, conversation[2], conversation[0], question, *conversation[3:], *viewer)


def change_updates(view: ChangeView) -> tuple:
    """-> status, then the library's outputs (left as they are while the library has not changed)."""
    library = library_updates(view.library) if view.library is not None else (gr.skip(),) * LIBRARY_OUTPUTS
    return (view.status, *library)


def search_updates(view: SearchView) -> tuple:
    """-> gallery, ranking, status, hits, found regions."""
    return (view.gallery, view.rows, view.status, view.hits, view.found)


def build(session: AppSession) -> gr.Blocks:
    handlers = Handlers(session)
    prefs = UiPrefs.from_settings(session.settings)

    def on_add(files, replace, request: gr.Request):
        """Rows from the drop on; the drop area empties at once (its own file list would squeeze names)."""
        for view in handlers.add(files, replace=bool(replace), username=request.username):
            yield (view.status, None, *change_updates(view)[1:])

    def on_add_folder(files, replace, request: gr.Request):
        yield from on_add(supported(files or []), replace, request)

    def on_remove(name, request: gr.Request):
        return change_updates(handlers.remove(name, username=request.username))

    def loading_view():
        """While the sample corpus loads or a visual lane encodes: its progress, the growing document list,
        and the timer kept on."""
        view = handlers.library_view()
        return (*library_updates(view), gr.Timer(active=view.busy))

    # every chat handler takes its caller from the request (a private handler reached through a raw
    # queue/join call included), never from its inputs: chats are their owner's (ui/security.py)
    def on_load(remembered, request: gr.Request):
        """The chat the browser remembers, if this user may still open it; else a new one. The question box
        and "+ New chat" open only now: a chat started before this wrote its view would be wiped by it."""
        view = handlers.conversation(remembered or "", username=request.username)
        opened = (gr.Textbox(interactive=True), gr.Button(interactive=True))
        return (*conversation_updates(view), *loading_view(), *opened)

    def on_show(conversation_id, request: gr.Request):
        return conversation_updates(handlers.conversation(conversation_id or "", username=request.username))

    def on_new_chat(request: gr.Request):
        return on_show("", request)

    def on_rename(conversation_id, title, request: gr.Request):
        view, warning = handlers.rename(conversation_id, title, username=request.username)
        if warning:
            gr.Warning(warning)
        return conversation_updates(view)

    def on_delete(conversation_id, confirmed, request: gr.Request):
        return conversation_updates(handlers.delete(conversation_id, confirmed, username=request.username))

    def on_ask(
        question,
        history=None,
        conversation_id=None,
        docs=None,
        chosen=None,
        viewer_at=None,
        request: gr.Request = None,
    ):
        """Streams the answer. Gradio sends a stream's last chunk twice: as a chunk, then again in the
        message that ends the event, once the generator has run out; a title typed into the box between the
        two was written over, and Rename then saved the old one; a rename made between the two had its chat
        list and export put back. So the stream closes with a chunk that repeats the last one's chat and
        conversation id (an API caller's result) but leaves the title, the export, the chat list, the
        remembered id and the viewer alone."""
        username = request.username if request is not None else None
        view = None
        for view in handlers.ask(
            question, history, conversation_id, docs, chosen, viewer_at, username=username
        ):
            yield ask_updates(view)
        if view is not None:
            yield ask_updates(view, settled=True)

    def on_open_link(state: ViewerState, key: str, boxes: dict, found: dict):
        """A page link in an answer or a search result: the viewer, shown in the Chat tab."""
        return (*viewer_updates(handlers.open_page(state, key, boxes, found)), gr.Tabs(selected="chat"))

    def on_pick_cited(event: gr.SelectData, cited, boxes, state):
        return viewer_updates(handlers.pick_cited(event.index, cited, boxes, state))

    def on_search(text, image, k, lanes=None, docs=None):
        return search_updates(handlers.search(text, image, k, lanes, docs))

    def on_save_settings(lanes_text, k, backend, base_url, model, current, request: gr.Request):
        view = handlers.save_settings(
            lanes_text, k, backend, base_url, model, current, username=request.username
        )
        if view.lanes is None:
            return view.message, gr.CheckboxGroup(), gr.Image(), view.chosen
        return (
            view.message,
            gr.CheckboxGroup(choices=view.lanes, value=view.lanes, visible=len(view.lanes) > 1),
            gr.Image(visible=bool(view.image_query)),
            view.chosen,
        )

    lanes = session.library.lanes
    # analytics off: the app never phones home. delete_cache: Gradio's own copies of uploads and outputs older than a day go, checked hourly
    with gr.Blocks(title="pagelens", delete_cache=(3600, 86400), analytics_enabled=False) as app:
        with gr.Row(elem_id="pl-header"):
            gr.Markdown("**pagelens** · ask your documents, see the pages", elem_id="pl-title")
            library_status = gr.Markdown(elem_id="library-status")
        conversation = gr.Textbox(
            elem_id="pl-conversation", elem_classes="pl-hidden", show_label=False, label="conversation id"
        )
        remembered = gr.BrowserState("", storage_key="pagelens-conversation")
        cited_state = gr.State([])
        boxes_state = gr.State({})  # link key (answer/page) -> the regions that answer cites on the page
        found_state = gr.State({})  # page key -> best region, over the last search's hits
        viewer_state = gr.State(ViewerState())
        open_key = gr.Textbox(elem_id="pl-open", elem_classes="pl-hidden", show_label=False)
        open_button = gr.Button("open page", elem_id="pl-open-button", elem_classes="pl-hidden")
        with gr.Tabs() as tabs:
            with gr.Tab("Chat", id="chat"):
                with gr.Row(elem_id="pl-main"):
                    with gr.Column(scale=1, min_width=250, elem_id="pl-side"):
                        new_chat = gr.Button(
                            "+ New chat", elem_id="new-chat", variant="primary", size="sm", interactive=False
                        )  # until the page's load (on_load)
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
                            label="Add documents", file_count="multiple", elem_id="upload", height=150
                        )
                        gr.Markdown("Drop " + ", ".join(supported_types()) + " files", elem_id="drop-types")
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
                            autoscroll=False,  # app.js brings the latest question to the top instead
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
                            interactive=False,  # until the page's load (on_load)
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
                        viewer = gr.HTML(handlers.show(ViewerState()).html, elem_id="viewer")
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
        # refreshes the library while the sample loads or a visual lane encodes behind an add
        refresh = gr.Timer(2.0, active=bool(session.loading))
        refreshing = dict(api_visibility="private", show_progress="hidden")
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
            **WRITES,
            show_progress="hidden",  # the rows and the bar in add_status are the progress
        ).then(loading_view, None, [*views, refresh], **refreshing)
        folder.upload(
            on_add_folder,
            [folder, replace],
            [add_status, upload, *views],
            api_visibility="private",
            **WRITES,
            show_progress="hidden",
        ).then(loading_view, None, [*views, refresh], **refreshing)
        remove.click(
            on_remove,
            to_remove,
            [add_status, *views],
            api_name="remove",
            **WRITES,
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
        chat.clear(on_new_chat, None, shown, api_visibility="private")  # the bin starts a new chat
        chat_list.input(on_show, chat_list, shown, api_visibility="private")
        rename.click(on_rename, [conversation, title_box], shown, api_visibility="private")
        confirmed = gr.Checkbox(visible=False)
        delete.click(
            on_delete,
            [conversation, confirmed],
            shown,
            api_visibility="private",
            js="(id, _) => [id, confirm('Delete this chat? This cannot be undone.')]",
        )

        viewer_io = [viewer_state, viewer]
        open_button.click(
            on_open_link,
            [viewer_state, open_key, boxes_state, found_state],
            [*viewer_io, tabs],
            api_visibility="private",
        )
        cited.select(
            on_pick_cited, [cited_state, boxes_state, viewer_state], viewer_io, api_visibility="private"
        )
        for button, move in ((previous, -1), (following, 1)):
            button.click(
                lambda s, m=move: viewer_updates(handlers.move(s, m)),
                viewer_state,
                viewer_io,
                api_visibility="private",
            )
        for button, step in ((zoom_out, -1), (zoom_in, 1)):
            button.click(
                lambda s, z=step: viewer_updates(handlers.zoom(s, z)),
                viewer_state,
                viewer_io,
                api_visibility="private",
            )

        search_inputs = [query, reference, k, search_lanes, search_scope]
        search_outputs = [results, ranking, search_status, hits_list, found_state]
        search.click(on_search, search_inputs, search_outputs, api_name="search")
        query.submit(on_search, search_inputs, search_outputs, api_visibility="private")
        save.click(
            on_save_settings,
            [lanes_box, k_default, backend, base_url, model, session_prefs],
            [settings_status, search_lanes, reference, session_prefs],
            api_name="settings",
            **WRITES,
        )
        refresh.tick(loading_view, None, [*views, refresh], **refreshing)
        app.load(on_load, remembered, [*shown, *views, refresh, question, new_chat], api_visibility="private")
    return app
