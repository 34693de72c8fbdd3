"""Office documents (Word, PowerPoint, Excel, OpenDocument, RTF) become PDFs through LibreOffice headless.

`convert_to_pdf` runs inside the sandboxed rendering worker (render.py), so soffice inherits the
worker's address-space cap (RLIMIT_AS) and sits in the worker's process group: the parent's
wall-clock kill takes soffice with it. Each conversion gets a fresh private profile
(-env:UserInstallation) whose settings turn macros off (security level "very high", execution
disabled) and never update links; where the kernel allows an unprivileged user namespace, soffice
also runs in an empty network namespace (`unshare -rn`), so a document cannot reach any host.

Formats are judged by content: OOXML and OpenDocument are ZIP packages recognised by their parts
(`word/document.xml`, ...) or their `mimetype` entry, RTF by its `{\\rtf` header.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from ..config import Settings
from ..errors import IngestError
from ..types import Page
from .job import RenderJob

log = logging.getLogger(__name__)

SUFFIXES = frozenset({".docx", ".pptx", ".xlsx", ".odt", ".odp", ".ods", ".rtf"})
INSTALL_HINT = (
    "install it to add Office documents (Debian/Ubuntu: apt-get install "
    "libreoffice-core-nogui libreoffice-writer-nogui libreoffice-impress-nogui "
    "libreoffice-calc-nogui), or export the document to PDF and add that"
)
SOFFICE_PATHS = ("/usr/bin/soffice", "/usr/lib/libreoffice/program/soffice")

_OOXML_PARTS = {"word/document.xml": "docx", "ppt/presentation.xml": "pptx", "xl/workbook.xml": "xlsx"}
_ODF_MIMETYPES = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.presentation": "odp",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
}

# The private profile's settings. LinkUpdateModes NEVER = 0; MacroSecurityLevel 3 = "very high".
_PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="MacroSecurityLevel"
 oor:op="fuse"><value>3</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="DisableMacrosExecution"
 oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="BlockUntrustedRefererLinks"
 oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Writer/Content/Update"><prop oor:name="Link"
 oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Content/Update"><prop oor:name="Link"
 oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def office_format(path: Path, head: bytes) -> str | None:
    """ "docx", "pptx", "xlsx", "odt", "odp", "ods" or "rtf" judged by content; None otherwise."""
    if head.startswith(b"{\\rtf"):
        return "rtf"
    if not head.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(path) as package:
            names = set(package.namelist())
            if "mimetype" in names and package.getinfo("mimetype").file_size < 200:
                mimetype = package.read("mimetype").decode("ascii", "replace").strip()
                return _ODF_MIMETYPES.get(mimetype)
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError):
        return None
    return next((fmt for part, fmt in _OOXML_PARTS.items() if part in names), None)


def find_soffice(configured: str = "") -> str | None:
    """The LibreOffice executable (`configured`, else the usual places), or None when it is missing."""
    if configured:
        return configured if Path(configured).is_file() else None
    return next((path for path in SOFFICE_PATHS if Path(path).exists()), None) or shutil.which("soffice")


@functools.cache
def _isolation_prefix() -> tuple[str, ...]:
    """`unshare -rn` when this kernel lets an unprivileged process make user + network namespaces."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return ()
    try:
        probe = subprocess.run([unshare, "-rn", "true"], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ()
    return (unshare, "-rn") if probe.returncode == 0 else ()


def convert_to_pdf(source: Path, out_dir: Path, settings: Settings) -> Path:
    """Convert the office document `source` to `out_dir/document.pdf`.

    Raises IngestError when it is no office document, LibreOffice is missing, fails, or makes no PDF.
    """
    with open(source, "rb") as fh:
        fmt = office_format(source, fh.read(8))
    if fmt is None:
        raise IngestError("not an Office document (Word, PowerPoint, Excel, OpenDocument or RTF)")
    exe = find_soffice(settings.soffice)
    if exe is None:
        where = f" (PAGELENS_SOFFICE={settings.soffice} does not exist)" if settings.soffice else ""
        raise IngestError(
            f"this is an Office document ({fmt.upper()}) and LibreOffice is not installed{where}; "
            f"{INSTALL_HINT}"
        )
    timeout_s = settings.file_timeout_s
    with tempfile.TemporaryDirectory(prefix="pagelens-office-") as tmp:
        work = Path(tmp)
        profile = work / "profile"
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(_PROFILE_SETTINGS)
        # LibreOffice picks its import filter partly by suffix: give it the one the content says
        document = work / f"document.{fmt}"
        shutil.copyfile(source, document)
        command = [
            *_isolation_prefix(),
            exe,
            "--headless",
            "--norestore",
            "--nologo",
            "--nolockcheck",
            "--nodefault",
            f"-env:UserInstallation={profile.as_uri()}",
            "--convert-to",
            "pdf",
            "--outdir",
            str(work / "out"),
            str(document),
        ]
        env = {**os.environ, "HOME": str(work), "SAL_USE_VCLPLUGIN": "svp"}
        try:
            result = subprocess.run(
                command, cwd=work, env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout_s
            )
        except subprocess.TimeoutExpired:
            raise IngestError(
                f"LibreOffice did not convert the {fmt.upper()} document within {timeout_s:g} s; "
                "raise PAGELENS_FILE_TIMEOUT_S if you trust it"
            ) from None
        converted = work / "out" / "document.pdf"
        if result.returncode != 0 or not converted.is_file() or converted.stat().st_size == 0:
            # what LibreOffice printed (a crash prints a backtrace with its install paths) goes to the log
            # only; the reason a user reads says what happened in words
            log.warning("LibreOffice failed on %s: %s", source.name, (result.stderr or result.stdout)[-2000:])
            how = (
                f"it stopped with exit status {result.returncode}"
                if result.returncode > 0
                else f"it was stopped by signal {-result.returncode}"
                if result.returncode < 0
                else "it made no PDF"
            )
            raise IngestError(
                f"LibreOffice could not convert this {fmt.upper()} document ({how}); "
                "it is probably damaged: open and re-save it, or export it to PDF"
            )
        target = out_dir / "document.pdf"
        shutil.move(converted, target)
        return target


def render_office(job: RenderJob, on_count: Callable[[int], None], on_page: Callable[[], None]) -> list[Page]:
    """An Office document converted to PDF (in the worker), rendered as that PDF."""
    from .pdf import render_pdf  # PyMuPDF: the parent imports this module only to recognise files

    with tempfile.TemporaryDirectory(prefix="pagelens-office-") as tmp:
        pdf = convert_to_pdf(job.path, Path(tmp), job.settings)
        return render_pdf(dataclasses.replace(job, path=pdf, kind="pdf"), on_count, on_page)
