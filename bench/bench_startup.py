"""Start-up of the app: how long after `python app.py` the first page is served, and the sample corpus is
searchable, against what `python -c "import gradio"` alone takes in the same run.

    .venv/bin/python bench/bench_startup.py            # 3 rounds, each on a fresh (empty) library
    .venv/bin/python bench/bench_startup.py --rounds 5
    .venv/bin/python scripts/doc_numbers.py measure startup   # the same, written for docs/evaluation.md

Each round, in this order: `python -c "import gradio"` (the baseline: the app cannot start faster than
its UI library imports), then `python app.py` on a new library folder and a free port, polled until `GET /`
answers 200 ("served"), then through the named `/search` API until a search for the sample's net present
value page finds it ("sample searchable"). Prints every round and the medians, with CPU seconds (the app's
process and its workers, read when each point is reached) and the load average beside the wall times: on a
shared machine wall time mostly measures the queue, so compare CPU with CPU and wall with wall.
"""

from __future__ import annotations

import argparse
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from pagelens.eval.numbers import NumbersRun

REPO = Path(__file__).resolve().parents[1]
SAMPLE_QUERY = "net present value of a series of cash flows"
SAMPLE_DOC = "maxima-finance.html"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def import_gradio(env: dict) -> tuple[float, float]:
    """Wall and CPU seconds of `python -c "import gradio"`."""
    cpu, started = children_cpu(), time.monotonic()
    subprocess.run([sys.executable, "-c", "import gradio"], env=env, check=True)
    return time.monotonic() - started, children_cpu() - cpu


def cpu_of(pid: int) -> float:
    """CPU seconds so far of a running process and its children (the app's rendering workers)."""
    import psutil

    try:
        process = psutil.Process(pid)
        everyone = [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0.0
    for each in everyone:
        try:
            times = each.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def served(url: str, process: subprocess.Popen, timeout_s: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if process.poll() is not None:
            raise RuntimeError(f"app.py exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return time.monotonic()
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"no page at {url} after {timeout_s:.0f} s")


def searchable(url: str, timeout_s: float) -> float:
    from gradio_client import Client

    client = Client(url, verbose=False)
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        _, ranking, *_ = client.predict(SAMPLE_QUERY, None, 3, [], api_name="/search")
        if any(row[1] == SAMPLE_DOC for row in (ranking or {}).get("data", [])):
            return time.monotonic()
        time.sleep(0.2)
    raise TimeoutError(f"the sample was not searchable after {timeout_s:.0f} s")


def app_round(env: dict, folder: Path) -> dict:
    port = free_port()
    env = {**env, "PAGELENS_LIBRARY": str(folder), "PAGELENS_PORT": str(port)}
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "app.py"], cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        page_at = served(url, process, 180)
        page_cpu = cpu_of(process.pid)
        sample_at = searchable(url, 300)
        sample_cpu = cpu_of(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)
    return {
        "served": page_at - started,
        "served_cpu": page_cpu,
        "searchable": sample_at - started,
        "searchable_cpu": sample_cpu,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--numbers", type=Path, metavar="FILE", help="also write the results to FILE as JSON")
    args = parser.parse_args()
    measuring = NumbersRun()
    env = {
        **os.environ,
        "GRADIO_ANALYTICS_ENABLED": "False",
        "HF_HUB_OFFLINE": "1",
        "ANONYMIZED_TELEMETRY": "False",
    }
    rows = []
    with tempfile.TemporaryDirectory(prefix="pagelens-startup-") as tmp:
        for n in range(args.rounds):
            load = os.getloadavg()[0]
            gradio_wall, gradio_cpu = import_gradio(env)
            app = app_round(env, Path(tmp) / f"lib{n}")
            rows.append({"gradio": gradio_wall, "gradio_cpu": gradio_cpu, **app, "load": load})
            print(
                f"round {n + 1}: import gradio {gradio_wall:.1f} s ({gradio_cpu:.1f} s CPU); app.py: page served "
                f"{app['served']:.1f} s ({app['served_cpu']:.1f} s CPU, +{app['served_cpu'] - gradio_cpu:.1f} over "
                f"the import), sample searchable {app['searchable']:.1f} s ({app['searchable_cpu']:.1f} s CPU); "
                f"load {load:.1f}",
                flush=True,
            )
    median = {key: statistics.median(row[key] for row in rows) for key in rows[0]}
    print(
        f"median of {len(rows)}: import gradio {median['gradio']:.1f} s wall / {median['gradio_cpu']:.1f} s CPU; "
        f"page served {median['served']:.1f} s wall (+{median['served'] - median['gradio']:.1f} s over the "
        f"import) / {median['served_cpu']:.1f} s CPU (+{median['served_cpu'] - median['gradio_cpu']:.1f} s); "
        f"sample searchable {median['searchable']:.1f} s wall / {median['searchable_cpu']:.1f} s CPU; "
        f"load {median['load']:.1f} ({os.cpu_count()} cores)"
    )
    if args.numbers:
        rounded = [{key: round(value, 2) for key, value in row.items()} for row in rows]
        measuring.write(
            args.numbers, {"rounds": rounded, "median": {k: round(v, 2) for k, v in median.items()}}
        )


if __name__ == "__main__":
    main()
