"""The Library state machine (tests/library_machine.py) at strength: 25 sequences of up to 8 steps, the
same ones each run (derandomised, so CI is reproducible); the random 500-sequence run is
bench/bench_library_state.py."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from library_machine import LibraryMachine

pytestmark = pytest.mark.slow

TestLibraryStateMachine = LibraryMachine.TestCase
TestLibraryStateMachine.settings = settings(
    max_examples=25,
    stateful_step_count=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
