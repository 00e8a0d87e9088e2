"""A worker primes its heap only while no request waits (jail/heap.py): a spare worker of
an idle pool arrives with its heap faulted in, a worker that has a request stops at once."""

from __future__ import annotations

import ctypes
from typing import Any

import pytest

from codemode_skills.sandbox.jail import heap

from .conftest import run

GLIBC = hasattr(ctypes.CDLL(None), "mallopt")


@pytest.mark.skipif(not GLIBC, reason="mallopt is glibc's (no priming elsewhere)")
def test_priming_stops_as_soon_as_a_request_waits() -> None:
    assert heap.prime(lambda: True) == 0  # a request already waits: nothing touched
    calls = iter([False, False, True])
    assert heap.prime(lambda: next(calls)) == 2 * heap.CHUNK
    assert heap.prime(lambda: False) == heap.PRIMED  # idle: all of it


async def test_a_worker_with_the_smallest_memory_limit_still_runs(driver: Any) -> None:
    """Priming never costs a run its memory: what does not fit is not primed."""
    result = await run(driver, "return len([i for i in range(100_000)])", memory_mb=16)
    assert result.result == 100_000, result.error
