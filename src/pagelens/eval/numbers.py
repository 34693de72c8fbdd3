"""A measurement's results as a JSON file, with where and when they were measured: the files that the
documentation's tables are rendered from (`scripts/doc_numbers.py`), so that no number in them is typed by hand.

A record: `name` (the file's stem), `command` (what produced it, as typed), `commit` and `dirty` (the git
checkout of the working folder, when there is one), `date` (UTC, ISO 8601), `machine` (CPU cores, the load
average when the run started and when it ended, wall and CPU seconds of the run, the process and its
children), and `results` (whatever the measurement reports, JSON-ready).
"""

from __future__ import annotations

import json
import os
import resource
import shlex
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path


def _cpu_s() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()


class NumbersRun:
    """Started when the measurement starts (load average, clocks); `write` ends it with its results."""

    def __init__(self) -> None:
        self.load_before = [round(x, 2) for x in os.getloadavg()]
        self._wall = time.monotonic()
        self._cpu = _cpu_s()
        self.commit = _git("rev-parse", "--short=10", "HEAD")  # the code that runs: read before it runs
        self.dirty = bool(self.commit and _git("status", "--porcelain", "--untracked-files=no"))

    def record(self, name: str, results: dict) -> dict:
        return {
            "name": name,
            "command": shlex.join([Path(sys.argv[0]).name, *sys.argv[1:]]),
            "commit": self.commit,
            "dirty": self.dirty,
            "date": datetime.now(UTC).replace(microsecond=0).isoformat(),
            "machine": {
                "cpus": os.cpu_count(),
                "load_before": self.load_before,
                "load_after": [round(x, 2) for x in os.getloadavg()],
                "wall_s": round(time.monotonic() - self._wall, 1),
                "cpu_s": round(_cpu_s() - self._cpu, 1),
            },
            "results": results,
        }

    def write(self, path: str | Path, results: dict) -> Path:
        """Write the record to `path` (the file's stem names it) whole or not at all."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.record(path.stem, results), indent=1, ensure_ascii=False, default=str)
        partial = path.with_name(path.name + ".partial")
        partial.write_text(text + "\n", encoding="utf-8")
        partial.replace(path)
        return path
