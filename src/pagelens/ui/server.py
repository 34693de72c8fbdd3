"""Serving the app: open the library with the app's saved prefs, serve the page with the security defaults,
and load the sample corpus into an empty library in the background (the page is usable at once and shows
the list growing).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from ..assets import SAMPLE_DIR, sample_documents
from ..config import Settings
from ..ingest.pipeline import warm_up
from ..layout import LibraryLayout
from ..library import Library
from ..types import AddProgress
from .app import ASSETS, build
from .originals import mount as mount_originals
from .prefs import load_prefs, prefs_path
from .security import host_check, parse_auth
from .session import AppSession


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
        # an unexpected exception reaches the browser as "Error" only: Gradio's own messages name server
        # paths ("Cannot move /srv/...", the blocked paths). What a user must read comes back as the
        # handlers' own text (refusals, add reports, "Could not answer: ...") or as a gr.Error.
        "show_error": False,
        "app_kwargs": {"middleware": host_check(settings)},
        "css": (ASSETS / "app.css").read_text(encoding="utf-8"),
        "head": f"<script>{(ASSETS / 'app.js').read_text(encoding='utf-8')}</script>",
    }
    users = parse_auth(settings.auth)
    if users:
        options["auth"] = [(user.name, user.password) for user in users.values()]
    return options


def open_library(settings: Settings, lanes: Sequence[str] | None = None) -> tuple[Library, Settings]:
    """The library at settings.library with the app's saved prefs applied over `settings`.

    Lanes: `lanes` when given, else those saved in the app's Settings tab, else the ones the library
    remembers (opening it with fewer would leave the others stale), else settings.lanes for a new library."""
    root = Path(settings.library)
    prefs = load_prefs(root, settings)
    if lanes is None and prefs_path(root).is_file():
        lanes = prefs.lanes
    library = Library(root, lanes=lanes, settings=prefs.apply(settings))
    library.encode_in_background()  # the visual lanes' pages a crash or restart left queued
    return library, library.settings


def sample_files(library: Library, sample_dir: Path | None) -> list[Path]:
    """The bundled sample documents when the library is empty (a first start), else nothing."""
    if sample_dir is None or not sample_dir.is_dir() or library.documents():
        return []
    return sample_documents(sample_dir)


def load_sample(session: AppSession, files: list[Path]) -> None:
    """Add the sample corpus while the app already serves (the page shows progress and the list grows)."""

    def on_progress(state: AddProgress) -> None:
        session.loading = f"Loading the sample corpus: {state.summary} ({state.name})…"

    try:
        with session.reading():
            report = session.library.add(files, progress=False, on_progress=on_progress)
        session.loaded = f"Sample corpus loaded ({sum(f.pages for f in report.files)} pages)."
        print(session.loaded, flush=True)
    finally:
        session.loading = ""


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
        self.session.close()


def read_concurrency(settings: Settings) -> int:
    """How many requests the app serves at once: `settings.app_concurrency`, else 2 per core, 2 to 32.

    Reads take no library lock (lanes answer from their last commit), so one long answer need not hold up
    every search; but a request spends most of its ~0.14 CPU-s under Python's GIL, so more than a couple
    per core only interleave them (bench/bench_app_load.py on 2 busy cores: 4 at once was a little ahead
    of 1, 8 at once behind). Writes are one at a time (`app.WRITES`)."""
    if settings.app_concurrency > 0:
        return settings.app_concurrency
    return max(2, min(32, 2 * len(os.sched_getaffinity(0))))


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
    app = build(session)
    app.queue(default_concurrency_limit=read_concurrency(settings))
    served = Served(app=app, session=session)
    try:
        app.launch(prevent_thread_lock=True, **server_options(settings))
        mount_originals(app.server_app, session.using)
        served.url = app.local_url
        if samples:
            threading.Thread(
                target=load_sample, args=(session, samples), name="pagelens-sample", daemon=True
            ).start()
        if not prevent_thread_lock:
            app.block_thread()
    except BaseException:
        served.close()
        raise
    return served
