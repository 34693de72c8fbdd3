"""Speed of the sentence encoder (pagelens.semantic, numpy) against transformers' AutoModel (torch) on the
same weights, the same word pieces and the same length-sorted batches: sentences/s, wall and CPU time.

The sentences are the sample corpus's own text (src/pagelens/assets/sample), cut at sentence ends.
torch needs the `visual` extra (scripts/setup.sh --test installs it); without it only numpy runs.

    .venv/bin/python bench/bench_semantic.py --sentences 512 --batch 32
    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/bench_semantic.py   # on a machine busy with other work
"""

from __future__ import annotations

import argparse
import os
import re
import time
import zipfile
from tempfile import TemporaryDirectory

import numpy as np
import pymupdf

from pagelens import semantic
from pagelens.assets import SAMPLE_DIR


def sample_sentences(count: int) -> list[str]:
    sentences: list[str] = []
    for path in sorted(SAMPLE_DIR.iterdir()):
        if path.suffix.lower() not in {".pdf", ".html"}:
            continue
        with pymupdf.open(path) as doc:
            text = " ".join(page.get_text() for page in doc)
        sentences += [s.strip() for s in re.split(r"(?<=[.!?:])\s+", " ".join(text.split())) if len(s) > 20]
    return (sentences * (count // max(len(sentences), 1) + 1))[:count]


def timed(label: str, run, n: int) -> tuple[float, np.ndarray]:
    wall, cpu = time.perf_counter(), time.process_time()
    vectors = run()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(
        f"{label:<28} {n / wall:8.1f} sentences/s  wall {wall:6.2f} s  cpu {cpu:6.2f} s  load {os.getloadavg()}"
    )
    return wall, vectors


def torch_encode(model, encoder: semantic.SentenceEncoder, texts: list[str], batch: int) -> np.ndarray:
    import torch

    out = np.zeros((len(texts), encoder.dim), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    with torch.no_grad():
        for start in range(0, len(order), batch):
            chunk = order[start : start + batch]
            encodings = encoder.tokenizer.encode_batch([texts[i] for i in chunk])
            ids = torch.tensor([e.ids for e in encodings])
            mask = torch.tensor([e.attention_mask for e in encodings])
            hidden = model(input_ids=ids, attention_mask=mask).last_hidden_state
            pooled = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdim=True).clamp(min=1)
            out[chunk] = torch.nn.functional.normalize(pooled, dim=1).numpy()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sentences", type=int, default=512)
    ap.add_argument("--batch", type=int, default=32)
    args = ap.parse_args()
    texts = sample_sentences(args.sentences)
    print(f"{len(texts)} sentences from the sample corpus, batch {args.batch}, {os.cpu_count()} CPUs")
    start = time.perf_counter()
    encoder = semantic.SentenceEncoder.from_zip(semantic.locate(), semantic.MINILM.weights_sha256)
    print(f"numpy load (inflate, sha256, parse): {time.perf_counter() - start:.2f} s")
    encoder.encode(texts[: args.batch])  # warm-up
    numpy_wall, numpy_vectors = timed(
        "numpy (pagelens.semantic)", lambda: encoder.encode(texts, args.batch), len(texts)
    )
    try:
        import torch
        from transformers import AutoModel
    except ImportError:
        print("torch/transformers not installed (the `visual` extra): numpy only")
        return
    with TemporaryDirectory() as folder:
        with zipfile.ZipFile(semantic.locate()) as zf:
            zf.extractall(folder)
        start = time.perf_counter()
        model = AutoModel.from_pretrained(folder).eval()
        print(f"torch load: {time.perf_counter() - start:.2f} s, torch threads {torch.get_num_threads()}")
    torch_encode(model, encoder, texts[: args.batch], args.batch)  # warm-up
    torch_wall, torch_vectors = timed(
        "torch (transformers)", lambda: torch_encode(model, encoder, texts, args.batch), len(texts)
    )
    print(f"numpy / torch speed: {torch_wall / numpy_wall:.2f}x")
    print(f"largest difference between the vectors: {np.abs(numpy_vectors - torch_vectors).max():.2e}")


if __name__ == "__main__":
    main()
