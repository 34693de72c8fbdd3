"""What a visual lane costs at the real checkpoints' size: each registry default's architecture built from its
config at full size with random weights (encoder speed and memory do not depend on the weights' values),
saved, and loaded through the lane's own encoder class, as a real checkpoint would be.

Per model, in a process of its own (so peak RSS is that model's): parameters, load seconds, seconds per page
at the lane's image size (`max_pixels`, default 1024 * 28 * 28), ms per text query, peak RSS, vectors per page
and bytes per page as the lane stores them. CPU time is printed beside wall time: the machine may be shared.
Tokenizers are the tiny local ones of tests/tiny_models.py (token ids only; the vocabulary size and every
layer are the real ones).

    HF_HUB_OFFLINE=1 .venv/bin/python bench/bench_encoders_real_size.py [--pages 2] [--models dse,clip,colqwen2]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

MAX_PIXELS = 1024 * 28 * 28  # config.Settings.max_pixels

# Qwen2-VL-2B (the backbone of MrLight/dse-qwen2-2b-mrl-v1 and vidore/colqwen2-v1.0), from its config.json
QWEN2_VL_2B_TEXT = dict(
    vocab_size=151936,
    hidden_size=1536,
    intermediate_size=8960,
    num_hidden_layers=28,
    num_attention_heads=12,
    num_key_value_heads=2,
    max_position_embeddings=32768,
    rope_parameters={"rope_type": "default", "rope_theta": 1000000.0, "mrope_section": [16, 24, 24]},
)
QWEN2_VL_2B_VISION = dict(
    depth=32,
    embed_dim=1280,
    hidden_size=1536,
    num_heads=16,
    mlp_ratio=4,
    patch_size=14,
    spatial_merge_size=2,
    temporal_patch_size=2,
)


def build(model: str, folder: Path):
    """Build and save one model at full size; return (a function that loads its encoder, parameter count)."""
    import tiny_models as tm
    import torch

    torch.manual_seed(0)
    if model == "clip":
        import open_clip

        from pagelens.lanes.visual.clip import ClipEncoder

        net = open_clip.create_model("ViT-B-32", pretrained=None)
        checkpoint = folder / "vit-b-32.pt"
        torch.save(net.state_dict(), checkpoint)
        params = sum(p.numel() for p in net.parameters())
        del net
        return lambda: ClipEncoder("ViT-B-32", str(checkpoint), device="cpu", batch_size=1), params
    tokenizer = tm._qwen_tokenizer()
    if model == "dse":
        from transformers import Qwen2VLForConditionalGeneration

        from pagelens.lanes.visual.dse import DseEncoder

        net = Qwen2VLForConditionalGeneration(
            tm._tiny_qwen2_vl_config(tokenizer, QWEN2_VL_2B_TEXT, QWEN2_VL_2B_VISION)
        )
        processor = tm._qwen2_vl_processor(tokenizer, min_pixels=4 * 28 * 28, max_pixels=MAX_PIXELS)
        make = lambda: DseEncoder(str(folder), dim=1536, max_pixels=MAX_PIXELS, device="cpu", batch_size=1)  # noqa: E731
    else:
        from colpali_engine.models import ColQwen2, ColQwen2Processor

        from pagelens.lanes.visual.colpali import ColPaliEncoder

        net = ColQwen2(tm._tiny_qwen2_vl_config(tokenizer, QWEN2_VL_2B_TEXT, QWEN2_VL_2B_VISION))
        processor = tm._qwen2_vl_processor(
            tokenizer, ColQwen2Processor, min_pixels=4 * 28 * 28, max_pixels=MAX_PIXELS
        )
        make = lambda: ColPaliEncoder(str(folder), max_pixels=MAX_PIXELS, device="cpu", batch_size=1)  # noqa: E731
    params = sum(p.numel() for p in net.parameters())
    net.save_pretrained(folder)
    processor.save_pretrained(folder)
    del net
    return make, params


def page_image(number: int):
    """A letter-size page at the renderer's resolution: text lines, a table and a plot-like figure."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1275, 1650), "white")
    draw = ImageDraw.Draw(image)
    for line in range(40):
        draw.text(
            (90, 90 + 36 * line), f"Line {line} of page {number}: the quick brown fox " * 2, fill="black"
        )
    draw.rectangle((700, 900, 1180, 1400), outline="black", width=3)
    for x in range(700, 1180, 24):
        draw.line((x, 1400, x + 12, 1400 - (x * 7 % 480)), fill=(30, 60, 200), width=4)
    return image


def measure(model: str, pages: int) -> dict:
    import numpy as np

    folder = Path(tempfile.mkdtemp(prefix=f"realsize-{model}-"))
    wall, cpu = time.perf_counter(), time.process_time()
    make, params = build(model, folder)
    built = (time.perf_counter() - wall, time.process_time() - cpu)
    wall, cpu = time.perf_counter(), time.process_time()
    encoder = make()
    loaded = (time.perf_counter() - wall, time.process_time() - cpu)
    images = [page_image(n) for n in range(pages + 1)]
    encoder.embed_images(images[:1])  # warm-up
    wall, cpu = time.perf_counter(), time.process_time()
    out = encoder.embed_images(images[1:])
    per_page = ((time.perf_counter() - wall) / pages, (time.process_time() - cpu) / pages)
    wall, cpu = time.perf_counter(), time.process_time()
    encoder.embed_queries(["how do I read a CSV file with pandas"])
    query = ((time.perf_counter() - wall) * 1e3, (time.process_time() - cpu) * 1e3)
    first = np.asarray(out[0])
    vectors = 1 if first.ndim == 1 else first.shape[0]
    if model == "colqwen2":
        from pagelens.config import Settings
        from pagelens.lanes.visual.token_codes import TokenCodec

        s = Settings()
        stored = TokenCodec(s.colpali_pool_factor, s.colpali_token_dtype).encode(first).nbytes
        stored_full = first.astype(np.float16).nbytes
    else:
        stored = stored_full = first.shape[-1] * 4  # one float32 vector in Chroma
    shutil.rmtree(folder, ignore_errors=True)  # 8.8 GB for a Qwen2-VL-2B in float32
    return {
        "model": model,
        "params_m": round(params / 1e6),
        "build_s": [round(v, 1) for v in built],
        "load_s": [round(v, 1) for v in loaded],
        "s_per_page": [round(v, 2) for v in per_page],
        "query_ms": [round(v) for v in query],
        "vectors_per_page": vectors,
        "dim": int(first.shape[-1]),
        "bytes_per_page": stored,
        "bytes_per_page_every_token_fp16": stored_full,
        "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2),
        "torch_threads": __import__("torch").get_num_threads(),
        "load_avg": round(os.getloadavg()[0], 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=2)
    ap.add_argument("--models", default="clip,dse,colqwen2")
    ap.add_argument("--one", help=argparse.SUPPRESS)  # run one model in this process
    args = ap.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.pages)), flush=True)
        return
    for model in args.models.split(","):
        run = subprocess.run(
            [sys.executable, __file__, "--one", model, "--pages", str(args.pages)],
            capture_output=True,
            text=True,
        )
        lines = [line for line in run.stdout.splitlines() if line.startswith("{")]
        print(
            lines[-1] if lines else f'{{"model": "{model}", "error": {json.dumps(run.stderr[-400:])}}}',
            flush=True,
        )


if __name__ == "__main__":
    main()
