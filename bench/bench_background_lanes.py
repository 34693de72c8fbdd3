"""Progressive indexing (index/background.py): text-lane search while a visual lane encodes behind an add,
and the time from drop to text-lane searchable with a visual lane on, against the text lane alone.

    .venv/bin/python bench/bench_background_lanes.py                # 100-page PDF, CLIP ViT-B-32 size
    .venv/bin/python bench/bench_background_lanes.py --pages 30 --model tiny

The visual lane is open_clip's ViT-B-32 architecture with random weights (151 M parameters; speed does
not depend on the weights' values), saved and loaded as a checkpoint through the real CLIP lane; `tiny`
uses the tests' 32-wide model. The PDF has pages of Zipf pseudo-words (bench_search.py); queries are 4-8
words of a random page. One run, in this order:
0. a warm-up add of 3 pages (sandboxed workers, models and caches start);
1.-2. `--rounds` times, in turn first and second: drop to searchable (`add` returns) for the PDF with
   the text lane alone and with text + clip (the clip lane's pages queued, not encoded), each into a new
   library;
3. text-lane searches, one after the other, for as long as the clip lane encodes the last round's PDF
   in the background (at most `--most`);
4. as many searches once the queue is empty (idle), and the encode's own duration.
Wall times print with this process's CPU seconds and the load average: the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


def make_pdf(path: Path, texts: list[str]) -> Path:
    import fitz

    document = fitz.open()
    for text in texts:
        page = document.new_page()
        page.insert_textbox(fitz.Rect(50, 50, 545, 790), text, fontsize=10)
    document.save(path)
    return path


def clip_lane(folder: Path, model: str) -> str:
    if model == "tiny":
        from tiny_models import build_tiny_clip

        name, checkpoint = build_tiny_clip(folder)
        return f"clip:{name}/{checkpoint}"
    import open_clip
    import torch

    torch.manual_seed(0)
    checkpoint = folder / "ViT-B-32-random.pt"
    torch.save(open_clip.create_model("ViT-B-32", pretrained=None).state_dict(), checkpoint)
    return f"clip:ViT-B-32/{checkpoint}"


class Clock:
    """Wall and this process's CPU seconds since start, and the load average."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def __str__(self) -> str:
        load = os.getloadavg()[0]
        return f"{time.perf_counter() - self.wall:.2f} s wall, {time.process_time() - self.cpu:.2f} CPU-s, load {load:.1f}"

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.wall


def latencies(lib, queries: list[str]) -> list[float]:
    found = []
    for query in queries:
        started = time.perf_counter()
        lib.search(query, k=10, lanes=["text"])
        found.append((time.perf_counter() - started) * 1000)
    return found


def summary(ms: list[float]) -> str:
    ordered = sorted(ms)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms ({len(ms)} searches)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--queries", type=int, default=100, help="distinct queries, cycled")
    parser.add_argument("--most", type=int, default=3000, help="searches at most while the lane encodes")
    parser.add_argument("--rounds", type=int, default=3, help="drop -> searchable measured this many times")
    parser.add_argument("--model", choices=["vit-b-32", "tiny"], default="vit-b-32")
    args = parser.parse_args()

    from bench_search import make_pages

    from pagelens import Library

    rng = random.Random(7)
    texts = make_pages(args.pages)
    queries = []
    for _ in range(args.queries):
        words = rng.choice(texts).split()
        start = rng.randrange(max(1, len(words) - 8))
        queries.append(" ".join(words[start : start + rng.randint(4, 8)]))
    with tempfile.TemporaryDirectory(prefix="bench-background-") as scratch:
        root = Path(scratch)
        pdf = make_pdf(root / "many-pages.pdf", texts)
        lane = clip_lane(root, args.model)
        print(f"{args.pages}-page PDF, visual lane {args.model}, cores {len(os.sched_getaffinity(0))}")

        with Library(root / "warm-up", lanes=["text", lane]) as lib:  # workers, models, caches
            lib.add([make_pdf(root / "warm-up.pdf", texts[:3])])
            lib.wait_for_lanes()
        alone, visual = [], []
        for round_ in range(1, args.rounds + 1):  # in turn first and second, so load drifts touch both
            text_first = round_ % 2 or round_ == args.rounds  # the last leaves the visual lane encoding
            for lanes in (["text"], ["text", lane]) if text_first else (["text", lane], ["text"]):
                lib = Library(root / f"{len(lanes)}-lanes-{round_}", lanes=lanes)
                clock = Clock()
                assert lib.add([pdf]).ok
                (visual if len(lanes) > 1 else alone).append(clock.seconds)
                print(f"round {round_}: drop -> searchable, {' + '.join(lanes)[:40]}: {clock}")
                if round_ < args.rounds or len(lanes) == 1:
                    lib.close()  # after the batch in hand; the rest stays queued in that library
                else:
                    last = lib
        with last as lib:
            assert lib.search(queries[0], k=3, lanes=["text"])
            encode, busy = Clock(), []
            while lib.lane_progress()[0].queued and len(busy) < args.most:  # searches all through the encode
                busy += latencies(lib, queries[len(busy) % len(queries) :][:10])
            print(f"text-lane search while the visual lane encodes: {summary(busy)}; {encode}")
            print(f"  queue at the end of those searches: {lib.lane_progress()[0].line()}")
            assert lib.wait_for_lanes()
            print(f"visual lane done, {args.pages} pages encoded behind the add: {encode}")
            idle_clock = Clock()
            idle = latencies(lib, [queries[i % len(queries)] for i in range(len(busy))])
            print(f"text-lane search, idle: {summary(idle)}; {idle_clock}")
        text_alone, with_visual = statistics.median(alone), statistics.median(visual)
        ratio = sorted(busy)[round(0.95 * (len(busy) - 1))] / sorted(idle)[round(0.95 * (len(idle) - 1))]
        print(f"p95 while encoding / idle p95: {ratio:.2f}x (target <= 2x)")
        print(
            f"drop -> searchable, medians: text lane alone {text_alone:.2f} s, with the visual lane "
            f"{with_visual:.2f} s: {with_visual / text_alone:.2f}x (target <= 1.10x); fastest of each: "
            f"{min(alone):.2f} s and {min(visual):.2f} s: {min(visual) / min(alone):.2f}x"
        )


if __name__ == "__main__":
    main()
