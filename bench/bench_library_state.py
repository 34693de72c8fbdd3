"""A longer run of the Library state machine (tests/library_machine.py): random add / update / remove /
reopen-in-a-new-process / kill -9 mid-add sequences, invariants checked after every step.

    .venv/bin/python bench/bench_library_state.py [EXAMPLES] [STEPS]

Prints how many sequences and steps ran and how long it took; any invariant broken fails with the
shrunk sequence that breaks it.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from hypothesis import HealthCheck, settings  # noqa: E402
from hypothesis.stateful import run_state_machine_as_test  # noqa: E402
from library_machine import LibraryMachine  # noqa: E402


def main() -> None:
    examples = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    started = time.monotonic()
    run_state_machine_as_test(
        LibraryMachine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=steps,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
    print(
        f"library state machine: {examples} sequences of up to {steps} steps green "
        f"in {time.monotonic() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
