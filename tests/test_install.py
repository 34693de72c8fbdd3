"""What a user installing pagelens gets: the default path without torch, and a wheel that works on its own.

- The app, CLI and Library on the text lane never import torch (nor the other visual-lane packages), so the
  default install can leave out the `visual` extra (4.4 GB of torch and CUDA libraries).
- The wheel `uv build` makes carries the sample corpus and everything `pagelens serve` needs: installed into
  a fresh virtual environment (no editable install, the repository not on the path, no visual extra) it
  adds and searches a sample, serves the app, and answers a request for a visual lane with the command that
  installs it instead of an ImportError.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import textwrap
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from gradio_client import Client
from library_helpers import free_port, stop_server, wait_for_http

REPO = Path(__file__).resolve().parents[1]

VISUAL_MODULES = ("torch", "torchvision", "transformers", "open_clip", "colpali_engine")

DEFAULT_PATH = textwrap.dedent("""
    import sys, tempfile
    from pathlib import Path
    import pagelens, pagelens.cli, pagelens.ui.app
    from pagelens import Library
    from pagelens.assets import SAMPLE_DIR
    from pagelens.ui.app import build_app

    library = Path(tempfile.mkdtemp()) / "lib"
    cli = ["--library", str(library), "--lanes", "text"]
    assert pagelens.cli.main(["add", str(SAMPLE_DIR / "maxima-finance.html"), *cli]) == 0
    assert pagelens.cli.main(["search", "net present value of cash flows", "-k", "3", *cli]) == 0
    assert pagelens.cli.main(["ask", "How do I compute the net present value?", *cli]) == 0
    with Library(library) as lib:
        build_app(lib, lib.settings)
    print("visual modules:", sorted(m for m in sys.modules if m.split(".")[0] in {modules!r}))
""")


@pytest.mark.slow
def test_the_default_path_never_imports_torch(python, offline_env):
    """App, CLI (add, search, ask) and Library on the text lane, in a fresh interpreter: no visual module."""
    result = subprocess.run(
        [python, "-c", DEFAULT_PATH.format(modules=VISUAL_MODULES)],
        env=offline_env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "visual modules: []" in result.stdout, result.stdout[-2000:]


INSTALL_VISUAL = 'pip install "pagelens[visual]"'
WHERE = "import pagelens.assets as a; print(a.__file__, a.SAMPLE_DIR)"
OPEN_CLIP = textwrap.dedent("""
    import sys
    from pagelens import Library
    from pagelens.errors import MissingExtraError
    try:
        Library("{library}", lanes=["text", "clip"])
    except MissingExtraError as err:
        print(type(err).__name__, err)
    print("torch:", "torch" in sys.modules)
""")


def installed_lanes_shown(url: str) -> str:
    """The Settings tab's note on installed lanes, from the app's config (what the page renders)."""
    config = httpx.get(f"{url}config", timeout=30).json()
    notes = [
        component["props"]["value"]
        for component in config["components"]
        if component.get("props", {}).get("elem_id") == "installed-lanes"
    ]
    assert len(notes) == 1, "the Settings tab has no installed-lanes note"
    return notes[0]


@pytest.fixture(scope="module")
def wheel_work() -> Iterator[Path]:
    """A scratch folder of its own (not pytest's tmp_path, which a concurrent pytest of the same user may prune
    while this long test runs)."""
    with tempfile.TemporaryDirectory(prefix="pagelens-wheel-test-") as folder:
        yield Path(folder)


@pytest.fixture(scope="module")
def wheel_venv(wheel_work: Path) -> Path:
    """A fresh virtual environment holding only the built wheel and its default dependencies (versions
    pinned to uv.lock), made outside the repository: what `pip install pagelens` gives a user."""
    uv = shutil.which("uv", path=str(REPO / ".tools" / "uv" / "bin")) or shutil.which("uv")
    assert uv, "uv is missing: scripts/setup.sh installs it into .tools/uv"
    work = wheel_work

    def run(*args: str) -> str:
        done = subprocess.run([uv, *args], cwd=work, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, f"uv {' '.join(args)}: {done.stderr[-3000:]}"
        return done.stdout

    run("build", "--wheel", "--out-dir", str(work / "dist"), str(REPO))
    (wheel,) = (work / "dist").glob("pagelens-*.whl")
    pins = work / "constraints.txt"
    run(
        "export",
        "--project",
        str(REPO),
        "--frozen",
        "--no-dev",
        "--no-hashes",
        "--no-emit-project",
        "--output-file",
        str(pins),
    )
    run("venv", "--python", "3.11", str(work / "venv"))
    run(
        "pip",
        "install",
        "--python",
        str(work / "venv" / "bin" / "python"),
        "--constraint",
        str(pins),
        str(wheel),
    )
    return work / "venv"


def in_venv(venv: Path, *command: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(venv / "bin" / command[0]), *command[1:]],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture
def wheel_env(offline_env) -> dict[str, str]:
    """No PYTHONPATH and no editable install: the venv's own site-packages is all a child sees."""
    return {key: value for key, value in offline_env.items() if key not in {"PYTHONPATH", "VIRTUAL_ENV"}}


@pytest.mark.slow
def test_the_installed_wheel_adds_searches_and_serves_the_sample(wheel_venv, wheel_env, wheel_work):
    tmp_path = wheel_work / "run"
    tmp_path.mkdir()
    where = in_venv(wheel_venv, "python", "-c", WHERE, env=wheel_env, cwd=tmp_path)
    assert where.returncode == 0, where.stderr
    module, sample = where.stdout.split()
    assert Path(module).is_relative_to(wheel_venv) and not Path(module).is_relative_to(REPO)
    library = ["--library", str(tmp_path / "lib")]

    added = in_venv(
        wheel_venv,
        "pagelens",
        "add",
        str(Path(sample) / "maxima-finance.html"),
        *library,
        env=wheel_env,
        cwd=tmp_path,
    )
    assert added.returncode == 0 and added.stdout.startswith("added      maxima-finance.html"), added.stderr
    found = in_venv(
        wheel_venv,
        "pagelens",
        "search",
        "net present value of cash flows",
        "-k",
        "1",
        "--json",
        *library,
        env=wheel_env,
        cwd=tmp_path,
    )
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)[0]["doc"] == "maxima-finance.html"

    refused = in_venv(
        wheel_venv,
        "pagelens",
        "search",
        "net present value",
        "--lanes",
        "text,dse",
        *library,
        env=wheel_env,
        cwd=tmp_path,
    )
    assert refused.returncode == 1 and INSTALL_VISUAL in refused.stderr and "Traceback" not in refused.stderr
    assert "lane 'dse' needs the 'visual' extra" in refused.stderr, refused.stderr
    opened = in_venv(
        wheel_venv, "python", "-c", OPEN_CLIP.format(library=tmp_path / "lib"), env=wheel_env, cwd=tmp_path
    )
    assert opened.returncode == 0, opened.stderr
    assert "MissingExtraError lane 'clip' needs the 'visual' extra" in opened.stdout, opened.stdout
    assert INSTALL_VISUAL in opened.stdout and "torch: False" in opened.stdout

    port = free_port()
    serve = [
        str(wheel_venv / "bin" / "pagelens"),
        "serve",
        "--library",
        str(tmp_path / "app"),
        "--port",
        str(port),
    ]
    server = subprocess.Popen(
        serve, env=wheel_env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_for_http(server, url, timeout_s=480, what="pagelens serve from the wheel")
        shown = installed_lanes_shown(url)
        assert shown.startswith("Lanes installed here: `text`.") and "`dse`" in shown, shown
        assert INSTALL_VISUAL in shown
        app = Client(url, verbose=False)
        message, *_ = app.predict("text, clip", 10, "extractive", "", "", api_name="/settings")
        assert message.startswith("Not saved") and INSTALL_VISUAL in message, message
    finally:
        stop_server(server)


@pytest.mark.slow
def test_the_wheel_names_the_licenses_of_the_sample_corpus(wheel_venv, wheel_work):
    """The sample documents are GPL v2, LPPL and gnuplot-licensed works shipped next to Apache-2.0 code: the
    wheel's metadata names every license and carries each text."""
    from pagelens.assets import SAMPLE_DIR, sample_documents

    (wheel,) = (wheel_work / "dist").glob("pagelens-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    expression = next(line for line in metadata.splitlines() if line.startswith("License-Expression:"))
    for license_id in ("Apache-2.0", "GPL-2.0-only", "LPPL-1.3c", "LicenseRef-gnuplot"):
        assert license_id in expression, expression
    shipped = {Path(n).name for n in names if ".dist-info/licenses/" in n}
    assert shipped == {"LICENSE", "GPL-2.0.txt", "LPPL-1.3c.tex", "gnuplot.copyright", "maxima-doc.copyright"}
    sources = (SAMPLE_DIR / "SOURCES.md").read_text(encoding="utf-8")
    for sample in sample_documents():
        assert f"| {sample.name} |" in sources, f"{sample.name} has no source and license in SOURCES.md"


def test_a_fresh_clone_gets_its_own_tools_and_environment():
    """`make app` in a fresh clone installs uv into .tools/ and builds .venv; a tracked .tools or .venv (say a
    worktree's link to another checkout's uv) would be checked out in their place and break the set-up."""
    tracked = subprocess.run(
        ["git", "ls-files", "--", ".tools", ".venv"], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert tracked.returncode == 0, tracked.stderr
    assert tracked.stdout == ""
