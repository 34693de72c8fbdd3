"""Ingestion throughput on the dev-set PDFs vs pdf2image, measured in the same run.

    .venv/bin/python bench/bench_ingest.py [--docs DIR] [--parts render,ocr,add] [--pages-per-file N]
                                           [--ocr-pages N] [--ocr-workers N] [--add-workers 1,2,4]
                                           [--add-repeats N] [--ray] [--repeat N] [--workers N] [--looks-ab]

pagelens: `ingest_file` end to end (sandboxed worker, render at the long-side cap, text layer, regions,
PNG written; OCR off). pdf2image: `convert_from_path` at the same pixel size + `Image.save` PNG, on the
same pages. The two alternate file by file so load on a shared machine hits both alike; with `--looks-ab`
a third run per file has the look signals off (`PAGELENS_LOOKS=0`), for their cost. OCR is measured
separately on the scanned PDF, per engine, with the OCR cache off; then the whole dev set through
`Library.add` with 1, 2 and 4 workers (`--add-workers`), three rounds, CPU time and load beside each wall
time and each run's ratio to 1 worker in its round; with `--ray`, the dev set through a
local Ray (the `ray` extra) vs the local path. Needs poppler-utils (pdftoppm) for
the baseline and tesseract-ocr for the tesseract engine.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

import pymupdf
from pdf2image import convert_from_path

from pagelens.config import Settings
from pagelens.ingest.ocr import ENGINES
from pagelens.ingest.pipeline import ingest_file, warm_up

DEFAULT_DOCS = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "dev" / "docs"
SCANNED = "r-data-scan.pdf"


def excerpt(source: Path, pages: int, target: Path) -> Path:
    with pymupdf.open(source) as doc, pymupdf.open() as part:
        part.insert_pdf(doc, from_page=0, to_page=min(pages, doc.page_count) - 1)
        part.save(target)
    return target


def run_pagelens(pdf: Path, out: Path, settings: Settings) -> int:
    return len(ingest_file(pdf, name=pdf.name, doc_id=pdf.stem, out_dir=out, settings=settings))


def run_pdf2image(pdf: Path, out: Path, long_side: int) -> int:
    out.mkdir(parents=True, exist_ok=True)
    with pymupdf.open(pdf) as doc:
        rect = doc[0].rect
    size = (long_side, None) if rect.width >= rect.height else (None, long_side)
    images = convert_from_path(pdf, size=size)
    for number, image in enumerate(images, start=1):
        image.save(out / f"{number:05d}.png")
    return len(images)


def bench_ocr(scan: Path, tmp: Path, settings: Settings, workers: int, engines: list[str]) -> None:
    """Each engine: its CPU cost per page in this process (OCR only, immune to other users' load on a
    shared machine), then `ingest_file` and `Library.add` end to end with `workers` workers. Cache off."""
    from pagelens import Library

    pages = ingest_file(scan, name=scan.name, doc_id="scan", out_dir=tmp / "scan-pngs", settings=settings)
    pngs = [Path(page.image_path) for page in pages]
    langs = tuple(settings.ocr_langs)
    for name in engines:
        engine = ENGINES[name]
        engine.read(pngs[0], langs)  # load the models (rapidocr) / warm the file cache; not timed
        cpu, started = _cpu_seconds(), time.perf_counter()
        chars = sum(len(line.text) for png in pngs for line in engine.read(png, langs))
        cpu, wall = _cpu_seconds() - cpu, time.perf_counter() - started
        print(
            f"OCR {name}: {cpu / len(pngs):.2f} CPU-s/page = {os.cpu_count() * len(pngs) / cpu:.2f} "
            f"pages/s on {os.cpu_count()} free cores; one process here {len(pngs) / wall:.2f} pages/s; "
            f"{chars} chars"
        )
    for name in engines:
        ocr = settings.replace(ocr=name, ocr_cache="off", workers=workers)
        run_pagelens(excerpt(scan, 1, tmp / f"warm-{name}.pdf"), tmp / f"warm-{name}", ocr)  # load models
        load, cpu, started = os.getloadavg()[0], _tree_cpu_seconds(), time.perf_counter()
        done = run_pagelens(scan, tmp / f"ocr-{name}", ocr)
        took, cpu = time.perf_counter() - started, _tree_cpu_seconds() - cpu
        print(
            f"OCR {name}, ingest_file with {workers} worker(s): {done / took:.2f} pages/s "
            f"({done} pages of {SCANNED}, {took:.1f} s wall, {cpu:.1f} CPU-s, "
            f"load {load:.1f} -> {os.getloadavg()[0]:.1f})"
        )
        with Library(tmp / f"ocr-lib-{name}", lanes=["text"], settings=ocr) as lib:
            load, cpu, started = os.getloadavg()[0], _tree_cpu_seconds(), time.perf_counter()
            done = lib.add([scan], progress=False).files[0].pages
            took, cpu = time.perf_counter() - started, _tree_cpu_seconds() - cpu
        print(
            f"OCR {name}, Library.add (text lane) with {workers} worker(s): {done / took:.2f} pages/s "
            f"({took:.1f} s wall, {cpu:.1f} CPU-s, load {load:.1f} -> {os.getloadavg()[0]:.1f})"
        )


def bench_add(docs: Path, tmp: Path, counts: list[int], repeats: int) -> None:
    """The whole dev set (PDF, HTML, images, the scan) through `Library.add` into a fresh text-lane library,
    OCR cache off, with each worker count of `counts` in turn, `repeats` rounds (interleaved, so load
    hits every count alike). Before each run the pool is emptied and `count` fresh workers are warmed on
    one-page files (not timed). Each run prints its wall time, the CPU seconds of this process and every
    worker (their OCR children included), the 1-minute load average before and after, and its ratio to
    the 1-worker run of the same round."""
    from pagelens import Library
    from pagelens.ingest.sandbox import POOL

    warm_docs = tmp / "warm-docs"
    warm_docs.mkdir(exist_ok=True)
    pdf = next(p for p in sorted(docs.glob("*.pdf")) if p.name != SCANNED)
    for n in range(max(counts)):
        excerpt(pdf, 1, warm_docs / f"warm{n}.pdf")
    print(f"dev set through Library.add ({docs}), text lane, OCR cache off; {os.cpu_count()} cores")
    ratios: dict[int, list[float]] = {count: [] for count in counts}
    for round_ in range(repeats):
        walls: dict[int, float] = {}
        for count in counts:
            settings = Settings.from_env(workers=count, ocr_cache="off")
            POOL.shutdown()
            with Library(tmp / f"warm-{round_}-{count}", lanes=["text"], settings=settings) as lib:
                lib.add([warm_docs / f"warm{n}.pdf" for n in range(count)], progress=False)
            with Library(tmp / f"add-{round_}-{count}", lanes=["text"], settings=settings) as lib:
                load, cpu, started = os.getloadavg()[0], _tree_cpu_seconds(), time.perf_counter()
                report = lib.add([docs], progress=False)
                wall, cpu = time.perf_counter() - started, _tree_cpu_seconds() - cpu
                assert report.ok, [f for f in report.files if f.status == "failed"]
            pages = sum(f.pages for f in report.files)
            walls[count] = wall
            ratio = walls[counts[0]] / wall
            ratios[count].append(ratio)
            print(
                f"  round {round_ + 1}, {count} worker(s): {wall:6.1f} s wall, {cpu:6.1f} CPU-s, "
                f"load {load:.1f} -> {os.getloadavg()[0]:.1f}; {pages} pages, "
                f"{pages / wall:.2f} pages/s; {ratio:.2f}x vs {counts[0]} worker(s)"
            )
    for count in counts[1:]:
        print(f"{count} workers vs {counts[0]}: " + ", ".join(f"{r:.2f}x" for r in ratios[count]))


def bench_ray(docs: Path, tmp: Path, workers: int) -> None:
    """The dev set through `Library.add` on a local Ray (`workers` CPUs) vs the local path with `workers`
    workers, OCR cache off, alternating twice; the faster run of each counts. Ray's start is not timed."""
    import ray

    from pagelens import Library
    from pagelens.ingest.ray_runner import RayRunner

    ray.init(num_cpus=workers, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    runner = RayRunner()
    settings = Settings.from_env(workers=workers, ocr_cache="off")
    times: dict[str, list[float]] = {"local": [], "ray": []}
    for run, how in enumerate(["local", "ray", "local", "ray"]):
        with Library(tmp / f"ray-{run}", lanes=["text"], settings=settings) as lib:
            started = time.perf_counter()
            report = lib.add([docs], progress=False, runner=runner if how == "ray" else None)
            times[how].append(time.perf_counter() - started)
            assert report.ok, [f for f in report.files if f.status == "failed"]
    local, on_ray = min(times["local"]), min(times["ray"])
    print(
        f"dev set through Library.add, {workers} CPUs: local {local:.1f} s, local Ray {on_ray:.1f} s "
        f"(Ray overhead {100 * (on_ray / local - 1):+.0f}%)"
    )
    ray.shutdown()


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (tesseract runs as a child per page)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _tree_cpu_seconds() -> float:
    """`_cpu_seconds` plus the running children's (the rendering workers, with their finished children)."""
    import psutil

    total = _cpu_seconds()
    for child in psutil.Process().children():
        try:
            times = child.cpu_times()
            total += times.user + times.system + times.children_user + times.children_system
        except psutil.NoSuchProcess:
            pass
    return total


def bench_render(args: argparse.Namespace, pdfs: list[Path], tmp: Path, settings: Settings) -> None:
    """`ingest_file` vs pdf2image on the first `--pages-per-file` pages of each PDF, best of `--repeat`."""
    inputs = [
        excerpt(pdf, args.pages_per_file, tmp / pdf.name) if args.pages_per_file else pdf for pdf in pdfs
    ]
    run_pagelens(inputs[0], tmp / "warm", settings)
    ours = baseline = plain = 0.0
    pages = 0
    for pdf in inputs:
        base_times, our_times, plain_times = [], [], []
        for _ in range(args.repeat):  # best of N per file: the least disturbed run on a shared machine
            started = time.perf_counter()
            base_pages = run_pdf2image(pdf, tmp / "pdf2image" / pdf.stem, settings.render_long_side)
            base_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            our_pages = run_pagelens(pdf, tmp / "pagelens" / pdf.stem, settings)
            our_times.append(time.perf_counter() - started)
            assert our_pages == base_pages, (pdf, our_pages, base_pages)
            if args.looks_ab:
                started = time.perf_counter()
                run_pagelens(pdf, tmp / "no-looks" / pdf.stem, settings.replace(looks=False))
                plain_times.append(time.perf_counter() - started)
        baseline += min(base_times)
        ours += min(our_times)
        plain += min(plain_times, default=0.0)
        pages += our_pages
    print(f"pages: {pages} from {len(inputs)} PDFs ({', '.join(p.name for p in inputs)})")
    print(f"pagelens ({args.workers} worker(s)):  {pages / ours:.1f} pages/s ({ours:.2f} s)")
    print(f"pdf2image: {pages / baseline:.1f} pages/s ({baseline:.2f} s)")
    print(f"ratio pagelens/pdf2image: {baseline / ours:.2f}x")
    if args.looks_ab:
        print(
            f"pagelens without looks: {pages / plain:.1f} pages/s ({plain:.2f} s); "
            f"with looks {ours / plain:.2f}x the time"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=Path, default=DEFAULT_DOCS)
    parser.add_argument("--pages-per-file", type=int, default=30, help="first N pages of each PDF (0: all)")
    parser.add_argument("--ocr-pages", type=int, default=15, help="pages of the scanned PDF to OCR (0: skip)")
    parser.add_argument(
        "--add-workers",
        default="1,2,4",
        help="dev set through Library.add with each of these worker counts, ratios to the first ('': skip)",
    )
    parser.add_argument("--ocr-engines", default=",".join(ENGINES), help="OCR engines to time")
    parser.add_argument("--add-repeats", type=int, default=3, help="rounds of the --add-workers runs")
    parser.add_argument(
        "--parts",
        default="render,ocr,add",
        help="which benches: render (vs pdf2image), ocr (the scan, per engine), add (Library.add)",
    )
    parser.add_argument("--ray", action="store_true", help="also the dev set through a local Ray vs locally")
    parser.add_argument(
        "--ocr-workers",
        type=int,
        default=os.cpu_count(),
        help="workers for the end-to-end OCR run (default: one per core)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per file; the fastest counts, for both")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="pagelens workers (settings.workers): page ranges of a PDF rendered at once",
    )
    parser.add_argument(
        "--looks-ab",
        action="store_true",
        help="also pagelens with the look signals off, alternating with the other two",
    )
    args = parser.parse_args()
    settings = Settings.from_env(ocr="off", workers=args.workers)
    pdfs = sorted(p for p in args.docs.glob("*.pdf") if p.name != SCANNED)
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp_name:
        tmp = Path(tmp_name)
        parts = set(args.parts.split(","))
        warm_up(settings)  # start the workers; not timed (paid once per process)
        if "render" in parts:
            bench_render(args, pdfs, tmp, settings)
        if "ocr" in parts and args.ocr_pages and (args.docs / SCANNED).exists():
            scan = excerpt(args.docs / SCANNED, args.ocr_pages, tmp / SCANNED)
            bench_ocr(scan, tmp, settings, args.ocr_workers, args.ocr_engines.split(","))
        if "add" in parts and args.add_workers:
            bench_add(args.docs, tmp, [int(n) for n in args.add_workers.split(",")], args.add_repeats)
        if args.ray:
            bench_ray(args.docs, tmp, os.cpu_count())


if __name__ == "__main__":
    main()
