"""The registries of answer backends (answer_backends.py) and file types (ingest/formats.py): one entry each
is what the settings, the backend factory, the app's Settings tab, detection, folder walks and the
sandboxed renderer read, so a new backend or file type is one entry plus its module."""

from __future__ import annotations

import typing
from pathlib import Path

import pymupdf
import pytest

from pagelens import Settings, answer_backends
from pagelens.config import LlmBackend, choices
from pagelens.errors import SettingsError
from pagelens.ingest import formats
from pagelens.ingest.detect import detect_kind
from pagelens.ingest.render import _renderer, load_renderers
from pagelens.rag.backends import backend_for
from pagelens.rag.openai_compat import OpenAICompatBackend
from pagelens.ui.prefs import backend_choices


def test_settings_accept_exactly_the_registered_backends():
    assert choices(LlmBackend) == answer_backends.NAMES
    assert Settings().llm_backend == answer_backends.EXTRACTIVE
    for name in answer_backends.NAMES:
        assert Settings(llm_backend=name).llm_backend == name
    for alias in ("offline", "none", "openai_compat", "http", "vlm", "local", ""):
        with pytest.raises(SettingsError, match="PAGELENS_LLM_BACKEND"):
            Settings(llm_backend=alias)


def test_a_backend_is_built_from_its_entry_once_per_configuration_of_its_settings():
    assert backend_for(Settings()) is None  # the extractive answerer runs inside the agent
    openai = Settings(llm_backend="openai", llm_base_url="http://127.0.0.1:9/v1", llm_model="m")
    built = backend_for(openai)
    assert isinstance(built, OpenAICompatBackend) and built.model == "m"
    assert backend_for(openai.replace(k=3, agent_max_steps=2)) is built  # not the backend's settings
    other = backend_for(openai.replace(llm_model="n"))
    assert other is not built and other.model == "n"
    entry = answer_backends.backend_named("openai")
    assert all(
        field in Settings.__dataclass_fields__ for b in answer_backends.BACKENDS for field in b.settings
    )
    assert "llm_model" in entry.settings and "k" not in entry.settings


def test_the_settings_tab_offers_the_backends_that_take_an_endpoint_when_the_operator_lists_some():
    operator = Settings()
    assert backend_choices(operator) == ["extractive"]
    endpoints = [b.name for b in answer_backends.BACKENDS if b.endpoint]
    assert endpoints == ["openai"]
    assert backend_choices(operator.replace(llm_allowed_urls=["http://10.0.0.2/v1"])) == [
        "extractive",
        *endpoints,
    ]
    assert backend_choices(operator.replace(llm_backend="transformers")) == ["extractive", "transformers"]


def test_every_file_type_has_a_renderer_with_the_contract():
    load_renderers()
    kinds = [t.kind for t in formats.FILE_TYPES]
    assert len(kinds) == len(set(kinds))
    for entry in formats.FILE_TYPES:
        renderer = _renderer(entry.kind)
        assert list(typing.get_type_hints(renderer)) == ["job", "on_count", "on_page", "return"], entry.kind
    assert formats.SUPPORTED_SUFFIXES == {s for t in formats.FILE_TYPES for s in t.suffixes}
    assert all(s.startswith(".") and s == s.lower() for s in formats.SUPPORTED_SUFFIXES)


def test_detection_follows_the_entries_and_never_yields_a_kind_only_ingest_makes(tmp_path: Path):
    pdf = tmp_path / "page.html"  # a PDF under an HTML name is a PDF
    with pymupdf.open() as doc:
        doc.new_page().insert_text((72, 72), "<html> in a PDF")
        doc.save(pdf)
    assert detect_kind(pdf) == "pdf"
    markdown = tmp_path / "notes.md"
    markdown.write_text("# Notes\n\nplain words\n", encoding="utf-8")
    assert detect_kind(markdown) == "markdown"
    assert detect_kind(markdown.rename(tmp_path / "notes.txt")) == "text"
    assert formats.file_type("printed-html").sniff is None
    message = formats.unsupported_message()
    for entry in formats.FILE_TYPES:
        assert (entry.label in message) == (entry.sniff is not None), entry.kind
