"""A long random run of the Library state machine (tests/library_machine.py): random add / update / remove /
reopen-in-a-new-process / kill -9 mid-add sequences, invariants checked after every step.

    .venv/bin/python bench/bench_library_state.py [EXAMPLES] [STEPS]     (default: 500 sequences of up to 8)

Prints a progress line every 5 sequences and a last line with how many sequences ran, wall and CPU time and
the load average (the machine may be shared); any invariant broken fails with the shrunk sequence that
breaks it. CI runs 25 fixed sequences (tests/test_library_state.py).
"""

from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from hypothesis import HealthCheck, settings  # noqa: E402
from hypothesis.stateful import run_state_machine_as_test  # noqa: E402
from library_machine import LibraryMachine  # noqa: E402

PROGRESS_EVERY = 5


def cpu_s() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    examples = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    started = time.monotonic()

    def status(done: int) -> str:
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        return (
            f"{done} sequences in {time.monotonic() - started:.0f} s wall, {cpu_s():.0f} s CPU, load {load}"
        )

    class CountedMachine(LibraryMachine):
        ran = 0

        def teardown(self) -> None:
            super().teardown()
            CountedMachine.ran += 1
            if CountedMachine.ran % PROGRESS_EVERY == 0:
                print(status(CountedMachine.ran), flush=True)

    run_state_machine_as_test(
        CountedMachine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=steps,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
    print(
        f"library state machine: {examples} sequences of up to {steps} steps green; {status(CountedMachine.ran)}"
    )


if __name__ == "__main__":
    main()
