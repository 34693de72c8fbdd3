"""The Library state machine (tests/library_machine.py) for a bounded number of examples; the longer run
is bench/bench_library_state.py."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from library_machine import LibraryMachine

pytestmark = pytest.mark.slow

TestLibraryStateMachine = LibraryMachine.TestCase
TestLibraryStateMachine.settings = settings(
    max_examples=2,
    stateful_step_count=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
