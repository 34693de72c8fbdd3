"""Missing weights offline fail fast with a message that names the model and how to fetch it."""

import time

import pytest

from pagelens.lanes.visual.loading import ModelUnavailableError, load_pretrained, local_only

pytestmark = pytest.mark.visual


def test_missing_hub_model_offline_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    from transformers import AutoConfig

    assert local_only("pagelens-test/no-such-model")
    start = time.monotonic()
    with pytest.raises(ModelUnavailableError) as err:
        load_pretrained(AutoConfig.from_pretrained, "pagelens-test/no-such-model", setting="dse_model")
    assert time.monotonic() - start < 10
    message = str(err.value)
    assert "pagelens-test/no-such-model" in message
    assert "huggingface-cli download pagelens-test/no-such-model" in message
    assert "PAGELENS_DSE_MODEL" in message and "HF_HOME" in message


def test_dse_lane_with_missing_model_says_what_to_do(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    from tiny_models import lane_context

    from pagelens.lanes.visual.dse import create_lane

    with pytest.raises(ModelUnavailableError, match="huggingface-cli download MrLight/dse-qwen2-2b-mrl-v1"):
        create_lane("dse", lane_context(tmp_path))


def test_local_folder_is_never_fetched(tmp_path):
    assert local_only(str(tmp_path))
