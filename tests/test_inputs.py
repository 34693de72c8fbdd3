"""Finding 8: inputs are bounded before any work. Control-only queries are empty; query images are checked
for their pixel count before decoding (a 12000 x 12000 PNG or a bomb is a ValueError, and the process does
not grow); questions are capped like queries, and the app refuses an oversized question without echoing it."""

from __future__ import annotations

import resource
from pathlib import Path

import pytest
import word_lane
from gradio_client import Client
from ingest_files import write_png_bomb
from ui_support import running_app

from pagelens import Library, Settings
from pagelens.inputs import bounded_history, clean_text


@pytest.fixture(autouse=True)
def _words_lane():
    word_lane.register()


@pytest.fixture
def library(tmp_path: Path):
    with Library(tmp_path / "lib", lanes=["words"], settings=Settings.from_env({})) as lib:
        yield lib


@pytest.mark.parametrize("query", ["\x00", "\x00\x00\x01\x1b", " \u200b\u200e\x7f ", "\ufeff\x00\t"])
def test_nul_and_control_only_queries_are_empty(library: Library, query: str):
    with pytest.raises(ValueError, match="empty query"):
        library.search(query)


def test_clean_text_keeps_words_and_drops_controls():
    assert clean_text("rand\x00()  seeds\u200b\nnow\x1b[31m") == "rand() seeds now[31m"
    assert clean_text("Größe über 5 €") == "Größe über 5 €"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.parametrize("side", [12_000, 30_000])  # above the 64 MP limit; the second is a PIL bomb too
def test_a_huge_query_image_is_refused_before_it_is_decoded(library: Library, tmp_path: Path, side: int):
    image = write_png_bomb(tmp_path / f"huge-{side}.png", side)
    assert image.stat().st_size < 2_000_000
    before = peak_rss_mb()
    with pytest.raises(ValueError, match=f"({side} x {side}|{side * side}) pixels"):
        library.search("a figure", image=image)
    assert peak_rss_mb() - before < 100, "the image was decoded"


def test_the_apps_reference_image_reaches_the_library_undecoded(
    library: Library, tmp_path: Path, monkeypatch
):
    """Gradio decodes an upload whose mode differs from the component's image_mode before the app sees it;
    the app's reference image must arrive as a path, so the pixel-count check above runs first."""
    from gradio.data_classes import ImageData
    from PIL import ImageFile

    from pagelens.ui.app import build_app

    app = build_app(library, library.settings)
    [reference] = [c for c in app.blocks.values() if getattr(c, "elem_id", None) == "search-image"]
    bomb = write_png_bomb(tmp_path / "huge.png", 12_000)
    decoded = []
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: decoded.append(self.size))
    assert reference.preprocess(ImageData(path=str(bomb), orig_name="huge.png")) == str(bomb)
    assert decoded == []
    with pytest.raises(ValueError, match="12000 x 12000"):
        library.search("a figure", image=bomb)


def test_an_in_memory_query_image_is_held_to_the_same_limit(library: Library):
    from PIL import Image

    with pytest.raises(ValueError, match="pixels"):
        library.search("a figure", image=Image.new("1", (9000, 9000)))


def test_questions_are_capped_like_queries(library: Library):
    answer = library.ask("What is the budget? " + "padding " * 500_000)
    assert all(len(step.detail) < 20_000 and len(step.title) < 20_000 for step in answer.steps)
    assert len(answer.text) < 20_000
    history = [{"role": "user", "content": "x" * 100_000}] * 100
    bounded = bounded_history(history, 2000)
    assert len(bounded) <= 12 and all(len(m["content"]) == 2000 for m in bounded)


def test_the_app_refuses_an_oversized_question_without_echoing_it(tmp_path: Path):
    with running_app(tmp_path / "lib", lanes=["words"]) as served:
        client = Client(served.url, verbose=False)
        chat, *_ = client.predict("budget " * 600_000, [], api_name="/ask")
        assert len(str(chat)) < 5_000 and "Please shorten it" in str(chat)
        chat, *_ = client.predict("\x00\x00", [], api_name="/ask")
        assert chat == []
