"""Encoding throughput (pages/s) of each visual lane's encoder on CPU: batched vs batch size 1.

Real checkpoints cannot be downloaded here, so this runs the tiny random-weight models from
tests/tiny_models.py (same code path as real checkpoints). It shows that batching works; it says nothing
about real-model speed.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/bench_encoders.py --pages 16 --batch 8
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import tiny_models  # noqa: E402


def encoders(folder: Path):
    from pagelens.lanes.visual.clip import ClipEncoder
    from pagelens.lanes.visual.colpali import ColPaliEncoder
    from pagelens.lanes.visual.dse import DseEncoder

    name, checkpoint = tiny_models.build_tiny_clip(folder / "clip")
    yield "clip", ClipEncoder(name, str(checkpoint), device="cpu")
    yield (
        "dse",
        DseEncoder(
            str(tiny_models.build_tiny_dse(folder / "dse")), dim=16, max_pixels=256 * 28 * 28, device="cpu"
        ),
    )
    yield (
        "colpali (ColQwen2)",
        ColPaliEncoder(
            str(tiny_models.build_tiny_colqwen2(folder / "colqwen2")), max_pixels=256 * 28 * 28, device="cpu"
        ),
    )


def pages_per_second(encoder, images, batch_size: int) -> float:
    encoder.batch_size = batch_size
    encoder.embed_images(images[:batch_size])  # warm-up
    start = time.perf_counter()
    encoder.embed_images(images)
    return len(images) / (time.perf_counter() - start)


def main() -> None:
    import torch
    from PIL import Image

    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=16)
    ap.add_argument("--batch", type=int, default=8)
    args = ap.parse_args()
    print(f"torch threads: {torch.get_num_threads()}")
    with tempfile.TemporaryDirectory() as tmp:
        pages = tiny_models.make_pages(Path(tmp) / "pages", args.pages)
        images = [Image.open(p.image_path).convert("RGB") for p in pages]
        for lane, encoder in encoders(Path(tmp)):
            one = pages_per_second(encoder, images, 1)
            batched = pages_per_second(encoder, images, args.batch)
            print(
                f"{lane:20s} batch 1: {one:7.1f} pages/s   batch {args.batch}: {batched:7.1f} pages/s   "
                f"ratio {batched / one:.2f}x"
            )


if __name__ == "__main__":
    main()
