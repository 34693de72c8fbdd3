"""Shared fixtures. Everything here runs offline: no model download, no telemetry."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "ANONYMIZED_TELEMETRY": "False",
}
# Set at import so that subprocesses started by tests (CLI, servers) inherit it too.
os.environ.update(OFFLINE_ENV)

TESTS_DIR = Path(__file__).resolve().parent
DEV_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "dev"
DEV2_DIR = DEV_DIR.with_name("dev2")


@pytest.fixture(scope="session")
def dev_dir() -> Path:
    """The shared dev evaluation set (../shared/eval/dev next to the repository)."""
    if not (DEV_DIR / "docs").is_dir():
        pytest.skip(f"the dev evaluation set is not at {DEV_DIR}")
    return DEV_DIR


@pytest.fixture(scope="session")
def dev2_dir() -> Path:
    """The second evaluation set (../shared/eval/dev2, documents never used in building): a check only."""
    if not (DEV2_DIR / "docs").is_dir():
        pytest.skip(f"the dev2 evaluation set is not at {DEV2_DIR}")
    return DEV2_DIR


@pytest.fixture(scope="session")
def dev_docs(dev_dir: Path) -> Path:
    return dev_dir / "docs"


@pytest.fixture(scope="session")
def sample_docs() -> Path:
    """The sample corpus shipped in the package (gnuplot-expressions.pdf, maxima-finance.html,
    booktabs-page2.png: the same files as in the dev set), for tests that need no other document."""
    from pagelens.assets import SAMPLE_DIR

    return SAMPLE_DIR


@pytest.fixture
def offline_env() -> dict[str, str]:
    """The offline environment, for tests that build a subprocess environment explicitly."""
    return {**os.environ, **OFFLINE_ENV}


@pytest.fixture
def subprocess_env(offline_env: dict[str, str]) -> dict[str, str]:
    """Environment for a child Python that imports test helpers from tests/ (e.g. word_lane)."""
    path = os.pathsep.join(filter(None, [str(TESTS_DIR), offline_env.get("PYTHONPATH")]))
    return {**offline_env, "PYTHONPATH": path, "PYTHONUNBUFFERED": "1"}


@pytest.fixture(scope="session")
def python() -> str:
    return sys.executable


from browser_support import browser  # noqa: E402, F401  (the Chromium fixture of the browser tests)
