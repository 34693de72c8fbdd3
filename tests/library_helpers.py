"""Helpers shared by the tests: real PDFs cut from dev-set documents, free ports, starting and stopping a
server."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pymupdf


def pdf_parts(source: Path, folder: Path, parts: dict[str, range]) -> list[Path]:
    """Real, distinct PDFs cut from `source`: file name -> 0-based page range."""
    paths = []
    for name, pages in parts.items():
        with pymupdf.open(source) as doc:
            doc.select(list(pages))
            doc.save(folder / name)
        paths.append(folder / name)
    return paths


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(process: subprocess.Popen, url: str, *, timeout_s: float, what: str) -> float:
    """Poll `url` until it answers 200 while `process` is alive; seconds waited. Fails the test otherwise."""
    started = time.monotonic()
    while True:
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            raise AssertionError(f"{what} exited with {process.returncode}: {str(output)[-3000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return time.monotonic() - started
        except httpx.TransportError:
            pass
        assert time.monotonic() - started < timeout_s, f"{what} did not answer {url} within {timeout_s:.0f} s"
        time.sleep(0.25)


def stop_server(process: subprocess.Popen, *, grace_s: float = 60) -> None:
    """Stop a server the way Ctrl-C does (SIGINT, so it closes its library cleanly); kill it if it hangs."""
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
