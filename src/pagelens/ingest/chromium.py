"""Optional higher-fidelity HTML rendering: Debian's Chromium (through Playwright) prints the page to
a PDF, which then goes through the normal sandboxed PDF path (text_source "html").

JavaScript is off, the context is offline, and every request is aborted except one for a regular file
inside the HTML file's own folder (its local stylesheets and images), which pagelens reads itself without
following symlinks and hands to Chromium: a link such as `notes.txt -> /etc/passwd` is refused, so nothing
outside the folder reaches the page text. Chromium runs in its own process
group with a wall-clock timeout; an address-space cap (RLIMIT_AS) is not applied to it because
Chromium reserves far more virtual memory than it uses and will not start under one.

Run as `python -m pagelens.ingest.chromium SRC.html OUT.pdf TIMEOUT_S` (exit 0 on success).
"""

from __future__ import annotations

import mimetypes
import os
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .. import extras
from ..errors import IngestError

CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")


def print_html(source: Path, target: Path, timeout_s: float) -> None:
    """Print `source` to the PDF `target` in a killable child process, or raise IngestError."""
    exe = next((path for path in CHROMIUM_PATHS if Path(path).exists()), None) or shutil.which("chromium")
    if exe is None:
        raise IngestError(
            "html_renderer 'chromium' needs Debian's chromium (apt-get install chromium); "
            "or set PAGELENS_HTML_RENDERER=mupdf"
        )
    if not extras.installed("chromium"):
        needs = extras.missing_message("chromium", "html_renderer chromium (through Playwright)")
        raise IngestError(f"{needs}; or set PAGELENS_HTML_RENDERER=mupdf")
    src = str(Path(__file__).resolve().parents[2])
    env = {
        **os.environ,
        "PAGELENS_CHROMIUM": exe,
        "PYTHONPATH": os.pathsep.join(filter(None, [src, os.environ.get("PYTHONPATH")])),
    }
    child = subprocess.Popen(
        [sys.executable, "-m", "pagelens.ingest.chromium", str(source), str(target), str(timeout_s)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        _, err = child.communicate(timeout=timeout_s + 30)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
        raise IngestError(
            f"Chromium did not finish rendering the HTML within {timeout_s:g} s "
            "and was stopped; "
            "raise PAGELENS_FILE_TIMEOUT_S or use PAGELENS_HTML_RENDERER=mupdf"
        ) from None
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
    if child.returncode != 0 or not target.exists():
        last = (err or b"").decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise IngestError(
            f"Chromium could not render the HTML ({last[0][:300]}); try PAGELENS_HTML_RENDERER=mupdf"
        )


def read_local(url: str, folder: Path) -> bytes | None:
    """The bytes of the regular file a file:// URL names inside `folder` (a resolved path), or None for
    anything else: another scheme, a path outside, a missing file, a symlink anywhere below `folder`."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return None
    path = Path(unquote(parts.path))
    if not path.is_relative_to(folder) or path == folder or path.resolve() != path:
        return None  # resolve() differs from the path exactly when a component is a link (or ..)
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)  # the last component cannot be swapped for a link
    except OSError:
        return None
    with os.fdopen(handle, "rb") as file:
        return file.read() if stat.S_ISREG(os.fstat(file.fileno()).st_mode) else None


def _print(source: Path, target: Path, timeout_s: float) -> None:
    from playwright.sync_api import sync_playwright

    folder = source.parent.resolve()

    def only_local(route) -> None:
        url = route.request.url
        body = read_local(url, folder)
        if body is None:
            route.abort()
        else:
            kind = mimetypes.guess_type(urlsplit(url).path)[0] or "application/octet-stream"
            route.fulfill(status=200, body=body, content_type=kind)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=os.environ["PAGELENS_CHROMIUM"])
        try:
            context = browser.new_context(java_script_enabled=False, offline=True)
            context.route("**/*", only_local)
            page = context.new_page()
            page.goto(source.resolve().as_uri(), wait_until="load", timeout=timeout_s * 1000)
            page.pdf(path=str(target), format="A4", print_background=True)
        finally:
            browser.close()


if __name__ == "__main__":
    _print(Path(sys.argv[1]), Path(sys.argv[2]), float(sys.argv[3]))
