"""Settings are checked when built, and every error pagelens raises on purpose is a PagelensError."""

from __future__ import annotations

import argparse
import inspect

import pytest

from pagelens import PagelensError, Settings, cli, errors
from pagelens.config import choices
from pagelens.layout import LibraryLayout, page_image_name


@pytest.mark.parametrize(
    "field, value",
    [
        ("ocr", "rapidocrr"),
        ("llm_backend", "gpt"),
        ("device", "tpu"),
        ("llm_images", "yes"),
        ("html_renderer", "webkit"),
    ],
)
def test_a_typo_in_an_option_fails_at_once_naming_the_allowed_values(field, value):
    with pytest.raises(errors.SettingsError) as caught:
        Settings(**{field: value})
    hint = Settings.__dataclass_fields__[field].type
    allowed = choices(eval(hint, vars(__import__("pagelens.config", fromlist=["x"]))))  # noqa: S307
    assert f"PAGELENS_{field.upper()}" in str(caught.value) and all(a in str(caught.value) for a in allowed)


def test_env_values_of_options_are_case_insensitive_and_bad_ones_fail_in_from_env():
    assert Settings.from_env({"PAGELENS_LLM_BACKEND": " OpenAI "}).llm_backend == "openai"
    with pytest.raises(errors.SettingsError, match="PAGELENS_OCR"):
        Settings.from_env({"PAGELENS_OCR": "easyocr"})
    with pytest.raises(errors.SettingsError, match="PAGELENS_K"):
        Settings.from_env({"PAGELENS_K": "many"})
    with pytest.raises(errors.SettingsError, match="at least 1"):
        Settings.from_env({}, k=0)
    with pytest.raises(errors.SettingsError, match="unknown settings: colour"):
        Settings.from_env({}, colour="red")


def test_replace_checks_too():
    with pytest.raises(errors.SettingsError):
        Settings().replace(device="gpu")


def test_every_error_class_is_a_pagelens_error_and_keeps_its_builtin_base():
    classes = [c for _, c in inspect.getmembers(errors, inspect.isclass) if c.__module__ == errors.__name__]
    assert len(classes) >= 10 and all(issubclass(c, PagelensError) for c in classes)
    assert issubclass(errors.QueryError, ValueError) and issubclass(errors.DocumentNotFoundError, KeyError)
    assert str(errors.DocumentNotFoundError("no document named 'x'")) == "no document named 'x'"


def test_library_errors_are_pagelens_errors(tmp_path):
    from pagelens import Library

    with Library(tmp_path / "lib") as lib:
        with pytest.raises(errors.QueryError, match="empty query"):
            lib.search("   ")
        with pytest.raises(errors.DocumentNotFoundError, match="no document named 'x.pdf'"):
            lib.pages("x.pdf")
        with Library(tmp_path / "lib") as reader:  # a second open reads; writing is refused
            with pytest.raises(errors.LibraryLockedError, match="one writer at a time"):
                reader.remove("x.pdf")
    with pytest.raises(errors.UnknownLaneError, match="known lanes"):
        Library(tmp_path / "other", lanes=["nope"])


def _run(monkeypatch, raised: BaseException, *extra: str) -> int:
    def boom(args: argparse.Namespace) -> int:
        raise raised

    parser = cli._parser()
    monkeypatch.setattr(cli, "_parser", lambda: parser)
    parser._subparsers._group_actions[0].choices["list"].set_defaults(run=boom)
    return cli.main(["list", *extra])


def test_cli_maps_pagelens_errors_to_1_usage_errors_to_2_and_lets_bugs_through(monkeypatch, capsys):
    assert _run(monkeypatch, errors.LibraryLockedError("busy")) == 1
    assert "pagelens list: busy" in capsys.readouterr().err
    assert _run(monkeypatch, errors.LibraryLockedError("busy"), "--json") == 1
    assert '"error": "busy"' in capsys.readouterr().out
    assert _run(monkeypatch, errors.QueryError("empty query")) == 2
    with pytest.raises(KeyError):  # a bug shows its traceback instead of a tidy exit 1
        _run(monkeypatch, KeyError("oops"))


def test_the_layout_owns_every_name(tmp_path):
    layout = LibraryLayout(tmp_path)
    assert layout.page_image("d0c", 3) == tmp_path / "pages" / "d0c" / "00003.png"
    assert page_image_name(3) == "00003.png"
    assert layout.page_of_image(layout.page_image("d0c", 3)) == ("d0c", 3)
    assert layout.page_of_image(layout.root / "pages" / "d0c" / "3.png") is None
    assert layout.page_of_image(layout.uploads / "x" / "00001.png") is None
    assert layout.lane_folder("clip:ViT-B-32/laion").name == "clip_ViT-B-32_laion"
    assert not set(layout.served) & set(layout.private)
