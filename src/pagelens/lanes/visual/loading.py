"""Loading model weights from the Hugging Face hub or a local folder without ever hanging offline.

Rules every visual lane follows:
- a model id is a hub id ("MrLight/dse-qwen2-2b-mrl-v1") or a local folder holding a saved checkpoint;
- with HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE set, or when the hub cannot be reached within a few seconds,
  loading uses `local_files_only=True` (the HF cache only), so nothing waits on the network;
- missing weights raise `ModelUnavailableError`, whose message names the model and says how to get it;
- on CPU the attention is "eager": SDPA with left-padded rows yields NaN there, and the choice is not saved
  with a checkpoint, so it is passed at every load.
"""

from __future__ import annotations

import contextlib
import functools
import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from ...errors import ModelUnavailableError

T = TypeVar("T")

_TRUE = {"1", "true", "yes", "on"}


def offline_mode() -> bool:
    return any(os.environ.get(var, "").lower() in _TRUE for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


@functools.lru_cache(maxsize=1)
def hub_reachable(timeout_s: float = 3.0) -> bool:
    """Whether a TCP connection to the hub endpoint opens within `timeout_s` (checked once per process)."""
    endpoint = urlsplit(os.environ.get("HF_ENDPOINT", "https://huggingface.co"))
    port = endpoint.port or (443 if endpoint.scheme == "https" else 80)
    try:
        with socket.create_connection((endpoint.hostname or "huggingface.co", port), timeout=timeout_s):
            return True
    except OSError:
        return False


def is_local(model_id: str) -> bool:
    return Path(model_id).expanduser().exists()


def local_only(model_id: str) -> bool:
    """True when loading `model_id` must not touch the network."""
    return is_local(model_id) or offline_mode() or not hub_reachable()


def how_to_fetch(hub_id: str, setting: str) -> str:
    return (
        f"On a machine with internet access run `huggingface-cli download {hub_id}` (or `hf download "
        f"{hub_id}`), then copy its Hugging Face cache here and set HF_HOME to it, or save the checkpoint "
        f"to a folder and set PAGELENS_{setting.upper()} to that folder."
    )


@contextlib.contextmanager
def unavailable_as_clear_error(model_id: str, setting: str, hub_id: str | None = None) -> Iterator[None]:
    """Turn any failure while loading `model_id` into a ModelUnavailableError that says what to do.

    `hub_id` is the hub repository holding the weights when it differs from `model_id` (open_clip tags).
    """
    try:
        yield
    except ModelUnavailableError:
        raise
    except Exception as err:  # noqa: BLE001 - hub, file and config errors come in many types
        where = (
            "offline, and it is not in the local Hugging Face cache"
            if local_only(model_id) and not is_local(model_id)
            else "could not be loaded"
        )
        raise ModelUnavailableError(
            f"model {model_id!r} {where} ({type(err).__name__}: {err}). "
            f"{how_to_fetch(hub_id or model_id, setting)}"
        ) from err


def load_pretrained(loader: Callable[..., T], model_id: str, *, setting: str, **kwargs) -> T:
    """Call a `from_pretrained`-style loader with offline-safe arguments and clear errors."""
    if local_only(model_id):
        kwargs["local_files_only"] = True
    with unavailable_as_clear_error(model_id, setting):
        return loader(str(Path(model_id).expanduser()) if is_local(model_id) else model_id, **kwargs)


@contextlib.contextmanager
def hub_offline_during(model_id: str) -> Iterator[None]:
    """Switch huggingface_hub to offline mode while loading `model_id` if it must not touch the network.

    For loaders that take no `local_files_only` (open_clip): the cache is used, and a miss fails at once.
    """
    if not local_only(model_id):
        yield
        return
    from huggingface_hub import constants

    before = constants.HF_HUB_OFFLINE
    constants.HF_HUB_OFFLINE = True
    try:
        yield
    finally:
        constants.HF_HUB_OFFLINE = before


def resolve_device(setting: str) -> str:
    """ "auto" -> cuda when available, else cpu; other values pass through."""
    import torch

    if setting == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return setting


def model_kwargs(device: str) -> dict:
    """dtype and attention for `from_pretrained` on this device (eager on CPU, see module docstring)."""
    import torch

    if device.startswith("cuda"):
        return {"dtype": torch.bfloat16, "attn_implementation": "sdpa"}
    return {"dtype": torch.float32, "attn_implementation": "eager"}
