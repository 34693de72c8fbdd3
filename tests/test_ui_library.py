"""Which lanes the app opens a library with: explicit, else saved in the app, else the library's own."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import word_lane

from pagelens import Library
from pagelens.config import Settings
from pagelens.ui.prefs import UiPrefs, save_prefs
from pagelens.ui.server import open_library


@pytest.fixture(autouse=True)
def _word_lanes():
    word_lane.register("words")
    word_lane.register("morewords")


def test_the_app_keeps_the_lanes_a_library_remembers(tmp_path: Path):
    root = tmp_path / "lib"
    Library(root, lanes=["words", "morewords"], settings=Settings.from_env({}, lanes=["words"])).close()
    settings = Settings.from_env({}, library=root, lanes=["words"], k=4)

    library, opened = open_library(settings)
    with library:
        assert library.lanes == ["words", "morewords"] and opened.lanes == library.lanes and opened.k == 4

    save_prefs(root, dataclasses.replace(UiPrefs.from_settings(settings), lanes=["morewords"], k=3), settings)
    library, opened = open_library(settings)
    with library:
        assert library.lanes == ["morewords"] and opened.k == 3

    library, _ = open_library(settings, lanes=["words"])
    with library:
        assert library.lanes == ["words"]


def test_a_new_library_gets_the_settings_lanes(tmp_path: Path):
    library, opened = open_library(Settings.from_env({}, library=tmp_path / "new", lanes=["morewords"]))
    with library:
        assert library.lanes == ["morewords"] and opened.library == (tmp_path / "new").resolve()
