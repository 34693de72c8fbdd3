"""The local transformers VLM backend with a tiny random Qwen2-VL (built from a config, tokenizer trained
locally): it really loads, sees page images and generates; the loop survives its nonsense."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from rag_support import build_library  # noqa: E402
from tiny_models import build_tiny_dse  # noqa: E402

from pagelens import Settings  # noqa: E402
from pagelens.rag.agent import ask  # noqa: E402
from pagelens.rag.answerer import Conversation  # noqa: E402
from pagelens.rag.evidence import EvidencePage  # noqa: E402
from pagelens.rag.transformers_vlm import TransformersVLMBackend  # noqa: E402

pytestmark = [pytest.mark.visual, pytest.mark.slow]


@pytest.fixture(scope="module")
def tiny_vlm(tmp_path_factory):
    return build_tiny_dse(tmp_path_factory.mktemp("tiny-qwen2-vl"))


@pytest.fixture(scope="module")
def library(tmp_path_factory, dev_docs):
    lib = build_library(tmp_path_factory.mktemp("lib"), dev_docs, names=("gnuplot-expressions.pdf",))
    yield lib
    lib.close()


def vlm_settings(model_dir) -> Settings:
    return Settings(
        llm_backend="transformers",
        vlm_model=str(model_dir),
        device="cpu",
        llm_max_tokens=12,
        max_pixels=64 * 28 * 28,
        agent_read_pages=2,
    )


def test_the_tiny_vlm_reads_page_images_and_generates_text(tiny_vlm, library):
    backend = TransformersVLMBackend(vlm_settings(tiny_vlm))
    hit = library.search("rand(-1) resets both seeds", k=1)[0]
    page = EvidencePage.from_hit(hit, 1)
    reply = backend.answer("How do I reset the seeds of rand?", [page], Conversation())
    assert isinstance(reply, str)
    processor, model, device = backend._load()
    assert device == "cpu" and model.config._attn_implementation == "eager"


def test_the_loop_survives_the_tiny_models_nonsense(tiny_vlm, library):
    answer = ask(
        library,
        "How do I reset both seeds of gnuplot's rand() generator to their standard value?",
        settings=vlm_settings(tiny_vlm),
    )
    shown = [s for s in answer.steps if s.kind == "read" and "transformers" in s.title]
    assert shown, [s.title for s in answer.steps]
    assert any(s.kind == "error" for s in answer.steps)  # random weights cite no page shown
    assert answer.answerable and ("gnuplot-expressions.pdf", 9) in {(c.doc, c.page) for c in answer.citations}
