"""The Gradio app: library on the left, chat in the centre, cited pages on the right; search and settings tabs.

`build_app(library, settings)` returns the Blocks; `launch(settings)` opens the library, serves the app with
the security defaults of `server_options`, and loads the sample corpus into an empty library in the
background (the page is usable at once and shows the list growing).
Named API endpoints (`/add`, `/search`, `/ask`) let `gradio_client` script everything the page does.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402  (the analytics switch must be set before the import)

from ..assets import SAMPLE_DIR, sample_documents  # noqa: E402
from ..config import Settings  # noqa: E402
from ..errors import MissingExtraError  # noqa: E402
from ..layout import LibraryLayout  # noqa: E402
from ..library import Library  # noqa: E402
from ..models.registry import families, family_of  # noqa: E402
from ..rag.backends import backend_for  # noqa: E402
from ..types import AddProgress, AddReport, Answer, Step  # noqa: E402
from . import present  # noqa: E402
from .prefs import UiPrefs, backend_choices, endpoint_choices, load_prefs, prefs_path, save_prefs  # noqa: E402
from ..inputs import clean_text  # noqa: E402
from .security import NotAllowed, host_check, parse_auth, require  # noqa: E402
from ..ingest.pipeline import warm_up  # noqa: E402
from .uploads import stage_uploads, supported  # noqa: E402



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

    def __post_init__(self) -> None:
        self.operator = self.operator or self.settings

    def settings_for(self, chosen: UiPrefs | None) -> Settings:
        """The settings a client's session answers with: its own choices, else the app's."""
        return chosen.apply(self.operator).replace(library=self.settings.library) if chosen else self.settings

    @property
    def thumbs(self) -> Path:
        return LibraryLayout(Path(self.settings.library)).ui_cache


def server_options(settings: Settings) -> dict:
    """`Blocks.launch` keyword arguments: bind address, Host check, upload cap, auth with roles, and the only
    paths served."""
    layout = LibraryLayout(Path(settings.library).resolve())
    options: dict = {
        "server_name": settings.host,
        "server_port": settings.port,
        "max_file_size": f"{settings.max_upload_mb}mb",
        "allowed_paths": [str(path) for path in layout.served],
        "blocked_paths": [str(path) for path in layout.private],
        "show_error": True,
        "app_kwargs": {"middleware": host_check(settings)},
    }
    users = parse_auth(settings.auth)
    if users:
        options["auth"] = [(user.name, user.password) for user in users.values()]
    return options


def add_to_library(session: AppSession, files: Sequence[str] | None, progress=gr.Progress(), *,
                   replace: bool = False) -> AddReport:
    """Stage uploads into the library, then ingest them with a progress bar that names the current file."""
    staged = stage_uploads(files or [], Path(session.settings.library), session.settings.max_uploads_mb * 2**20)
    report = AddReport(files=list(staged.refused))
    if not staged.files:
        return report

    def on_progress(state: AddProgress) -> None:
        finished = state.files_done == state.files_total
        progress((state.pages_done, state.pages_total), unit="pages",
                 desc="Done" if finished else f"Ingesting {state.name} ({state.summary})")

    report.files += session.library.add(staged.files, replace=replace, progress=False, on_progress=on_progress).files
    return report


def build_app(library: Library, settings: Settings) -> gr.Blocks:
    return _build(AppSession(library=library, settings=settings))


def _build(session: AppSession) -> gr.Blocks:
    library, settings = session.library, session.settings
    prefs = UiPrefs.from_settings(settings)

    def documents_view():
        docs = session.library.documents()
        return present.document_rows(docs), gr.Dropdown(choices=[d.name for d in docs], value=None)

    def loading_view():
        """While the sample corpus loads: its progress, the growing document list, and the timer kept on."""
        return (session.loading or session.loaded, *documents_view(), gr.Timer(active=bool(session.loading)))

    def on_add(files, replace, request: gr.Request, progress=gr.Progress()):
        try:
            require(request.username, session.operator, "editor", "Adding documents")
        except NotAllowed as err:
            return (f"Not added: {err}.", *documents_view())
        report = add_to_library(session, files, progress, replace=bool(replace))
        return (present.report_markdown(report), *documents_view())

    def on_add_folder(files, replace, request: gr.Request, progress=gr.Progress()):
        return on_add(supported(files or []), replace, request, progress)

    def on_remove(name, request: gr.Request):
        try:
            require(request.username, session.operator, "editor", "Removing documents")
        except NotAllowed as err:
            return (f"Not removed: {err}.", *documents_view())
        if not name:
            return ("Choose a document to remove.", *documents_view())
        removed = session.library.remove(name)
        message = f"Removed **{name}**." if removed else f"**{name}** is not in the library."
        return (message, *documents_view())

    def on_pick_document(event: gr.SelectData, rows):
        row = event.index[0] if isinstance(event.index, (list, tuple)) else event.index
        return gr.Dropdown(value=rows.iloc[row, 0])

    def on_search(text, image, k, lanes):
        text = (text or "").strip() or None
        if text is None and not image:
            return [], [], "Type a query, or give a reference image."
        lanes = list(lanes or []) or None
        active = lanes or session.library.lanes
        if image and not any(family_of(lane).takes_images for lane in active):
            image_lanes = ", ".join(f.name for f in families() if f.takes_images)
            return [], [], (f"Image queries need a visual lane ({image_lanes}); this search "
                            f"uses {', '.join(active)}. Add one under Settings → lanes.")
        try:
            hits = session.library.search(text, int(k), image=image or None, lanes=lanes)
        except ValueError as err:
            return [], [], f"Search failed: {err}"
        message = f"{len(hits)} pages." if hits else "No matching pages."
        return present.hit_gallery(hits, session.thumbs), present.hit_rows(hits), message

    def on_ask(question, history, chosen: UiPrefs | None) -> Iterator[tuple]:
        history = list(history or [])
        question = clean_text(question or "")
        if not question:
            yield history, [], ""
            return
        if len(question) > session.settings.max_query_chars:  # refused before it is echoed into the chat
            history.append({"role": "assistant", "content": f"Your question is {len(question):,} characters long; "
                            f"the limit is {session.settings.max_query_chars:,}. Please shorten it."})
            yield history, [], ""
            return
        agent_history = present.chat_history_for_agent(history)
        history.append({"role": "user", "content": question})
        if session.loading:
            history.append(present.step_message(Step("wait", "Waiting for the sample corpus", session.loading)))
        cited: list = []
        yield history, cited, ""
        try:
            settings = session.settings_for(chosen)  # this session's backend choice, one cached backend each
            backend = backend_for(settings) or "extractive"
            for item in session.library.iter_ask(question, agent_history, k=settings.k, backend=backend):
                if isinstance(item, Step):
                    history.append(present.step_message(item))
                elif isinstance(item, Answer):
                    cited = present.citation_gallery(item.citations, session.thumbs)
                    history.append({"role": "assistant",
                                    "content": present.link_citations(present.answer_markdown(item), cited)})
                yield history, cited, ""
        except Exception as err:  # the chat must survive any backend failure; the message says what broke
            history.append({"role": "assistant", "content": f"Could not answer: {err}"})
            yield history, cited, ""

    def on_save_settings(lanes_text, k, backend, base_url, model, current: UiPrefs | None, request: gr.Request):
        """An admin's choice is saved for everyone; anyone else's holds for their session only."""
        lanes = [lane.strip() for lane in (lanes_text or "").split(",")]
        try:
            chosen = UiPrefs(lanes=lanes, k=int(k), llm_backend=backend, llm_base_url=base_url or "",
                             llm_model=model or "").validated(session.operator)
            try:
                require(request.username, session.operator, "admin", "Saving settings for everyone")
            except NotAllowed:
                if chosen.lanes != session.library.lanes:
                    require(request.username, session.operator, "admin", "Changing the lanes")
                return "Applied to this session only.", gr.CheckboxGroup(), chosen
        except (ValueError, MissingExtraError, NotAllowed) as err:
            return f"Not saved: {err}", gr.CheckboxGroup(), current
        message = _apply_prefs(session, chosen)
        return (message, gr.CheckboxGroup(choices=session.library.lanes, value=session.library.lanes),
                None if message == "Saved." else current)

    # delete_cache: Gradio's own copies of uploads and outputs older than a day go, checked hourly
    with gr.Blocks(title="pagelens", delete_cache=(3600, 86400)) as app:
        gr.Markdown("## pagelens — ask your documents, see the pages")
        with gr.Tab("Ask"):
            with gr.Row():
                with gr.Column(scale=1, min_width=260):
                    upload = gr.File(label="Drop PDFs, HTML pages or page images", file_count="multiple",
                                     elem_id="upload")
                    folder = gr.UploadButton("Add a folder", file_count="directory", size="sm")
                    # off: a different file under a name already in the library is added as "name (2)"
                    replace = gr.Checkbox(False, label="Replace documents with the same name", elem_id="replace")
                    add_status = gr.Markdown(elem_id="add-status")
                    docs = gr.Dataframe(headers=present.DOCUMENT_COLUMNS, interactive=False, label="Library",
                                        column_widths=["50%", "18%", "32%"],
                                        elem_id="documents")
                    with gr.Row():
                        # any name is accepted here (scripts remove by name); on_remove checks it
                        to_remove = gr.Dropdown(label="Document", choices=[], scale=3, allow_custom_value=True)
                        remove = gr.Button("Remove", variant="stop", size="sm", scale=1)
                with gr.Column(scale=2, min_width=380):
                    chat = gr.Chatbot(label="Chat", height=560, elem_id="chat", buttons=["copy"])
                    question = gr.Textbox(placeholder="Ask a question about your documents…", show_label=False,
                                          elem_id="question", submit_btn=True)
                with gr.Column(scale=1, min_width=260):
                    cited = gr.Gallery(label="Cited pages (click to open)", columns=1, height=640, elem_id="cited",
                                       object_fit="contain", allow_preview=True, buttons=["fullscreen", "download"])
        with gr.Tab("Search"):
            with gr.Row():
                query = gr.Textbox(label="Query", scale=3, elem_id="search-query")
                reference = gr.Image(label="Reference image (optional, composed query)", type="filepath",
                                     scale=1, height=160)
            with gr.Row():
                k = gr.Slider(1, 50, value=prefs.k, step=1, label="k")
                search_lanes = gr.CheckboxGroup(choices=library.lanes, value=library.lanes, label="Lanes")
                search = gr.Button("Search", variant="primary")
            search_status = gr.Markdown()
            results = gr.Gallery(label="Pages", columns=5, height=520, object_fit="contain", elem_id="results",
                                 buttons=["fullscreen", "download"])
            ranking = gr.Dataframe(headers=present.HIT_COLUMNS, interactive=False, label="Ranking")
        with gr.Tab("Settings"):
            lanes_box = gr.Textbox(value=", ".join(prefs.lanes), label="Lanes (text, dse, clip:<model>/<pretrained>, "
                                   "colpali:<checkpoint>); a new lane embeds the whole library")
            k_default = gr.Slider(1, 100, value=prefs.k, step=1, label="Pages per search (k)")
            backend = gr.Dropdown(choices=backend_choices(session.operator), value=prefs.llm_backend,
                                  label="Answer backend", allow_custom_value=True)  # UiPrefs.validated says why not
            base_url = gr.Dropdown(choices=endpoint_choices(session.operator), value=prefs.llm_base_url.rstrip("/"),
                                   label="OpenAI-compatible endpoint (the operator's choices)",
                                   allow_custom_value=True)  # checked by UiPrefs.validated, with a message
            model = gr.Textbox(value=prefs.llm_model, label="Model")
            gr.Markdown(present.installed_lanes_markdown(families()), elem_id="installed-lanes")
            save = gr.Button("Save", variant="primary")
            settings_status = gr.Markdown()
            session_prefs = gr.State(None)  # this client's own choices (UiPrefs), None: the app's settings

        upload.upload(on_add, [upload, replace], [add_status, docs, to_remove], api_name="add")
        folder.upload(on_add_folder, [folder, replace], [add_status, docs, to_remove], api_visibility="private")
        remove.click(on_remove, to_remove, [add_status, docs, to_remove], api_name="remove")
        docs.select(on_pick_document, docs, to_remove, api_visibility="private")
        question.submit(on_ask, [question, chat, session_prefs], [chat, cited, question], api_name="ask")
        search_inputs = [query, reference, k, search_lanes]
        search.click(on_search, search_inputs, [results, ranking, search_status], api_name="search")
        query.submit(on_search, search_inputs, [results, ranking, search_status], api_visibility="private")
        save.click(on_save_settings, [lanes_box, k_default, backend, base_url, model, session_prefs],
                   [settings_status, search_lanes, session_prefs], api_name="settings")
        refresh = gr.Timer(2.0, active=bool(session.loading))
        refresh.tick(loading_view, None, [add_status, docs, to_remove, refresh], api_visibility="private",
                     show_progress="hidden")
        app.load(loading_view, None, [add_status, docs, to_remove, refresh], api_visibility="private")
    return app


def _apply_prefs(session: AppSession, chosen: UiPrefs) -> str:
    """Persist an admin's prefs and use them now for everyone. New lanes reopen the library (a lane new to it embeds every page);
    when they cannot be opened (e.g. model weights missing) the library reopens with its previous lanes."""
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
        session.loaded = (f"Sample corpus loaded ({sum(f.pages for f in report.files)} pages). Ask away, or drop "
                          "your own files above.\n\n" + present.report_markdown(report))
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


def launch(settings: Settings, *, lanes: Sequence[str] | None = None, sample_dir: Path | None = SAMPLE_DIR,
           prevent_thread_lock: bool = False) -> Served:
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
        served.url = app.local_url
        if samples:
            threading.Thread(target=_load_sample, args=(session, samples), name="pagelens-sample",
                             daemon=True).start()
        if not prevent_thread_lock:
            app.block_thread()
    except BaseException:
        served.close()
        raise
    return served
