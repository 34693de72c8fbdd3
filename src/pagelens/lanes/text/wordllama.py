"""Load the `wordllama` static embedding model strictly offline.

The wheel ships the weights and the tokenizer config, but wordllama only finds the tokenizer under
`<cache_dir>/tokenizers/` (otherwise it downloads). We point a private cache folder at the packaged file.
"""

from __future__ import annotations

import os
import shutil
from functools import lru_cache
from pathlib import Path

import wordllama

from ...errors import ModelUnavailableError

WORDLLAMA_CONFIG = "l2_supercat"
WORDLLAMA_DIM = 256
_TOKENIZER_FILE = f"{WORDLLAMA_CONFIG}_tokenizer_config.json"


def default_cache_dir() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "pagelens" / "wordllama"


def prepare_cache(cache_dir: Path) -> Path:
    """Make `cache_dir/tokenizers/<config>` point at the tokenizer config packaged in the wheel."""
    packaged = Path(wordllama.__file__).parent / "tokenizers" / _TOKENIZER_FILE
    if not packaged.is_file():
        raise ModelUnavailableError(f"wordllama {wordllama.__version__} does not ship {_TOKENIZER_FILE}")
    target = cache_dir / "tokenizers" / _TOKENIZER_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        tmp = target.with_suffix(f".tmp{os.getpid()}")
        try:
            tmp.symlink_to(packaged)
        except OSError:
            shutil.copyfile(packaged, tmp)
        os.replace(tmp, target)
    return cache_dir


@lru_cache(maxsize=2)
def load_wordllama(cache_dir: Path | None = None):
    """The wordllama model (256-d, l2_supercat); never touches the network. Shared per process."""
    cache = prepare_cache(cache_dir or default_cache_dir())
    return wordllama.WordLlama.load(
        WORDLLAMA_CONFIG, cache_dir=cache, dim=WORDLLAMA_DIM, disable_download=True
    )
