"""Many users at once: 16 gradio_client users searching, asking and uploading against the real app.

    nice .venv/bin/python bench/bench_app_load.py --library /tmp/load-lib            # builds 1k pages once
    nice .venv/bin/python bench/bench_app_load.py --library /tmp/load-lib --baseline 1   # + the old queue
    nice .venv/bin/python bench/bench_app_load.py --library /tmp/load-lib --ocr-upload   # during an OCR add

The library: one PDF of `--pages` text pages (default 1,000) written with PyMuPDF from the text of the
dev set's PDF pages, shuffled and numbered, added once through the text lane (screenshots at 600 px, no
looks; the app serves what any library serves) and reused while `--library` holds it.
The app: `pagelens serve` in a child process on 127.0.0.1 only (anonymous editors). Each of `--clients`
threads runs `--ops` operations (search 60%, ask 30%, upload of a small new PDF 10%) with its own
gradio_client, all stopping at `--deadline` seconds. Queries are three-word spans of random pages.
Printed per endpoint: count, errors, p50/p95 wall seconds; with the load average and the server's CPU
seconds. `--baseline N` runs the same load again with PAGELENS_APP_CONCURRENCY=N in the same invocation
(1: every event one at a time, the app before issue 24), so the ratio is measured on the same machine.
`--ocr-upload` adds a 30-page scanned (image-only) PDF through /add as the clients start, so the figures
are those of searching while OCR runs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import httpx
import pymupdf

ROOT = Path(__file__).resolve().parents[1]
DEV_DOCS = ROOT.parent / "shared" / "eval" / "dev" / "docs"
ENDPOINTS = ("search", "ask", "upload")
WEIGHTS = (0.6, 0.3, 0.1)


def page_texts() -> list[str]:
    texts = []
    for pdf in sorted(DEV_DOCS.glob("*.pdf")):
        with pymupdf.open(pdf) as doc:
            texts += [page.get_text() for page in doc if len(page.get_text().split()) > 40]
    if not texts:
        raise SystemExit(f"no dev-set PDFs under {DEV_DOCS}")
    return texts


def write_pdf(path: Path, texts: list[str], pages: int, seed: int) -> list[str]:
    """A `pages`-page text PDF; returns each page's text."""
    rng = random.Random(seed)
    written = []
    with pymupdf.open() as doc:
        for number in range(pages):
            text = f"Section {number + 1}\n" + rng.choice(texts)[:2500]
            doc.new_page().insert_textbox(pymupdf.Rect(40, 40, 560, 800), text, fontsize=8)
            written.append(text)
        doc.save(path)
    return written


def scanned_pdf(path: Path, texts: list[str], pages: int) -> None:
    """`pages` pages that are images of text (no text layer): OCR reads them."""
    with pymupdf.open() as source, pymupdf.open() as scanned:
        for text in texts[:pages]:
            source.new_page().insert_textbox(pymupdf.Rect(40, 40, 560, 800), text[:1500], fontsize=10)
        for page in source:
            pixmap = page.get_pixmap(dpi=110)
            target = scanned.new_page(width=page.rect.width, height=page.rect.height)
            target.insert_image(target.rect, stream=pixmap.tobytes("png"))
        scanned.save(path)


def build_library(library: Path, pages: int, env: dict) -> list[str]:
    """The page texts of the library's load document, adding it first when the library lacks it."""
    texts = page_texts()
    source = library.parent / f"{library.name}-source" / f"load-{pages}.pdf"
    source.parent.mkdir(parents=True, exist_ok=True)
    if source.is_file():  # PyMuPDF writes a new file id each time: a rewrite would be another document
        with pymupdf.open(source) as doc:
            written = [page.get_text() for page in doc]
    else:
        written = write_pdf(source, texts, pages, seed=pages)
    listed = subprocess.run(
        [sys.executable, "-m", "pagelens.cli", "list", "--json", "--library", str(library)],
        env=env,
        capture_output=True,
        text=True,
    )
    if listed.returncode == 0 and any(d["name"] == source.name for d in json.loads(listed.stdout)):
        print(f"library: {library} already holds {source.name}")
        return written
    started = time.time()
    subprocess.run(
        [sys.executable, "-m", "pagelens.cli", "add", str(source), "--library", str(library)],
        env=env,
        check=True,
    )
    print(f"library: {pages} pages added in {time.time() - started:.0f} s")
    return written


def server_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")


def run_load(args, env: dict, texts: list[str], concurrency: int | None, label: str) -> None:
    from gradio_client import Client, handle_file

    port = 7900 + random.randrange(500)
    environment = {**env, "PAGELENS_HOST": "127.0.0.1", "PAGELENS_PORT": str(port)}
    if concurrency:
        environment["PAGELENS_APP_CONCURRENCY"] = str(concurrency)
    log = args.library.parent / f"{args.library.name}-server-{label.split()[0]}.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "pagelens.cli", "serve", "--library", str(args.library)],
        env=environment,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.time() + 180
        while True:
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.time() > deadline or server.poll() is not None:
                raise SystemExit("the app did not start")
            time.sleep(0.5)
        scratch = Path(tempfile.mkdtemp(prefix="pagelens-load-"))
        latencies: dict[str, list[float]] = defaultdict(list)
        errors: dict[str, list[str]] = defaultdict(list)
        lock = threading.Lock()
        stop_at = time.time() + args.deadline
        ready = threading.Barrier(args.clients + (1 if args.ocr_upload else 0))

        def connect() -> Client:
            for attempt in range(3):  # a loaded machine may time a first connection out
                try:
                    return Client(url, verbose=False, httpx_kwargs={"timeout": 120})
                except Exception as err:
                    if attempt == 2:
                        raise
                    print(f"  connecting again after {type(err).__name__}")
                    time.sleep(2)

        def client_run(index: int) -> None:
            rng = random.Random(index)
            try:
                client = connect()
            except Exception as err:
                with lock:
                    errors["connect"].append(f"{type(err).__name__}: {str(err)[:120]}")
                ready.abort()
                return
            ready.wait()
            for op in range(args.ops):
                if time.time() > stop_at:
                    return
                endpoint = rng.choices(ENDPOINTS, WEIGHTS)[0]
                words = rng.choice(texts).split()
                start = rng.randrange(max(1, len(words) - 3))
                phrase = " ".join(words[start : start + 3])
                started = time.perf_counter()
                try:
                    if endpoint == "search":
                        client.predict(phrase, None, 10, api_name="/search")
                    elif endpoint == "ask":
                        client.predict(f"What does it say about {phrase}?", [], api_name="/ask")
                    else:
                        pdf = scratch / f"u{index}-{op}.pdf"
                        write_pdf(pdf, texts, 2, seed=index * 1000 + op)
                        client.predict([handle_file(str(pdf))], api_name="/add")
                except Exception as err:  # counted and shown: an error is a result of this benchmark
                    with lock:
                        errors[endpoint].append(f"{type(err).__name__}: {str(err)[:120]}")
                    continue
                with lock:
                    latencies[endpoint].append(time.perf_counter() - started)

        def ocr_upload() -> None:
            pdf = scratch / "scanned-30.pdf"
            scanned_pdf(pdf, texts, 30)
            client = connect()
            ready.wait()
            started = time.perf_counter()
            try:
                client.predict([handle_file(str(pdf))], api_name="/add")
                print(f"  30-page OCR upload took {time.perf_counter() - started:.1f} s")
            except Exception as err:
                errors["ocr-upload"].append(str(err)[:120])

        threads = [threading.Thread(target=client_run, args=(i,)) for i in range(args.clients)]
        if args.ocr_upload:
            threads.append(threading.Thread(target=ocr_upload))
        cpu0, wall0 = server_cpu_s(server.pid), time.time()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall, cpu = time.time() - wall0, server_cpu_s(server.pid) - cpu0
        print(
            f"{label}: {args.clients} clients x {args.ops} ops, {wall:.0f} s wall, server CPU {cpu:.0f} s, "
            f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
        )
        for endpoint in ENDPOINTS:
            values = latencies[endpoint]
            print(
                f"  {endpoint:<7} n={len(values):>3} errors={len(errors[endpoint])} "
                f"p50={percentile(values, 0.5):.2f}s p95={percentile(values, 0.95):.2f}s "
                f"mean={statistics.fmean(values) if values else float('nan'):.2f}s"
            )
            for message in sorted(set(errors[endpoint]))[:3]:
                print(f"      {message}")
        if errors["connect"]:
            print(f"  clients that could not connect: {len(errors['connect'])} ({errors['connect'][0]})")
        if any(errors.values()):
            print(f"  the server's log: {log}")
    finally:
        server.terminate()
        server.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--library", type=Path, required=True)
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--ops", type=int, default=12, help="operations per client")
    parser.add_argument("--deadline", type=float, default=300, help="seconds; clients stop starting ops")
    parser.add_argument("--baseline", type=int, default=0, metavar="N", help="also run with concurrency N")
    parser.add_argument("--ocr-upload", action="store_true")
    args = parser.parse_args()
    env = {
        **os.environ,
        "GRADIO_ANALYTICS_ENABLED": "False",
        "PAGELENS_RENDER_LONG_SIDE": "600",
        "PAGELENS_LOOKS": "false",
        "PAGELENS_OCR_FIGURES": "false",
        "PAGELENS_LANES": "text",
    }
    texts = build_library(args.library, args.pages, env)
    run_load(args, env, texts, None, "concurrent (default limit)")
    if args.baseline:
        run_load(args, env, texts, args.baseline, f"baseline (PAGELENS_APP_CONCURRENCY={args.baseline})")


if __name__ == "__main__":
    main()
