"""Composed (image + text) queries from the app's Search tab reach a visual lane: a tiny random open_clip
model through the real CLIP lane, next to the text lane, on a three-page PDF."""

from __future__ import annotations

from pathlib import Path

import pytest
from gradio_client import Client, handle_file
from tiny_models import build_tiny_clip
from ui_support import gnuplot_excerpt, running_app

pytestmark = [pytest.mark.visual, pytest.mark.slow]


@pytest.fixture(scope="module")
def clip_lane(tmp_path_factory) -> str:
    name, checkpoint = build_tiny_clip(tmp_path_factory.mktemp("clip-model"))
    return f"clip:{name}/{checkpoint}"


@pytest.fixture
def small_pdf(tmp_path: Path, sample_docs: Path) -> Path:
    return gnuplot_excerpt(sample_docs, tmp_path / "gnuplot-functions.pdf")


def test_image_and_text_query_from_the_search_tab(clip_lane: str, small_pdf: Path, tmp_path: Path):
    with running_app(tmp_path / "lib", lanes=["text", clip_lane]) as served:
        client = Client(served.url, verbose=False)
        status, *_ = client.predict([handle_file(str(small_pdf))], api_name="/add")
        assert "added (3 pages)" in status
        assert served.library.wait_for_lanes(300)  # the visual lane encodes behind the add
        reference = served.library.pages("gnuplot-functions.pdf")[1].image_path

        gallery, ranking, message, hits = client.predict(
            "", handle_file(reference), 3, [clip_lane], api_name="/search"
        )
        assert message == "3 pages."
        top = ranking["data"][0]
        assert top[1:3] == ["gnuplot-functions.pdf", 2]  # a page's own screenshot finds that page first
        assert top[4] == f"{clip_lane} #1"
        assert len(gallery) == 3 and "found by" not in hits  # one lane searched: no lane labels

        _, ranking, message, hits = client.predict(
            "the value() function", handle_file(reference), 3, ["text", clip_lane], api_name="/search"
        )
        assert message == "3 pages." and "found by" in hits  # two lanes: each hit says which found it
        assert any(
            clip_lane in row[4] for row in ranking["data"]
        )  # composed query went through the clip lane

        _, _, message, _ = client.predict(
            "the same page", handle_file(reference), 3, ["text"], api_name="/search"
        )
        assert message.startswith("Image queries need a visual lane")
