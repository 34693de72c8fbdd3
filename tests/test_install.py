"""What a user installing pagelens gets: the default path without torch, and a wheel that works on its own.

- The app, CLI and Library on the text lane never import torch (nor the other visual-lane packages), so the
  default install can leave out the `visual` extra (4.4 GB of torch and CUDA libraries).
- The wheel `uv build` makes carries the sample corpus and everything `pagelens serve` needs: installed into
  a fresh virtual environment (no editable install, the repository not on the path, no visual extra) it
  adds and searches a sample, serves the app, and answers a request for a visual lane with the command that
  installs it instead of an ImportError.
"""

from __future__ import annotations

import subprocess
import textwrap

import pytest

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
    result = subprocess.run([python, "-c", DEFAULT_PATH.format(modules=VISUAL_MODULES)], env=offline_env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "visual modules: []" in result.stdout, result.stdout[-2000:]
