"""A worker's heap, made ready while it waits for its request, and only then.

A worker is a fresh process, so the first time a program grows a large buffer (a list of
200,000 items, a long string being built) every page of new heap it touches is a page
fault; a long-lived CPython process has its heap faulted in already, so the same loop ran
~1.3x faster there (bench/loop.py, the append shape). A worker that has reported ready
and has no request yet touches up to ``PRIMED`` bytes of heap, in ``CHUNK`` steps, and
stops at the first step where a request is waiting: under load (requests queued for every
new worker) it stops at once and costs nothing; a spare worker of an idle pool arrives
primed. Allocations up to ``MMAP_THRESHOLD`` stay on the heap and are not trimmed, so the
touched pages remain the program's (they count against its memory limit like anything
else). On a libc without ``mallopt`` nothing happens.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable

#: glibc's mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
#: Allocations up to this size come from the heap (glibc's ceiling is 32 MiB on 64-bit).
MMAP_THRESHOLD = 32 * 1024 * 1024
#: Bytes of heap touched at most while the worker waits, and per step.
PRIMED = 4 * 1024 * 1024
CHUNK = 1024 * 1024


def prime(request_waiting: Callable[[], bool]) -> int:
    """Tune malloc, then fault in heap a chunk at a time until ``PRIMED`` bytes or until
    ``request_waiting()``; returns the bytes touched."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return 0
    if not mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD):
        return 0
    mallopt(_M_TRIM_THRESHOLD, 2 * MMAP_THRESHOLD)
    chunks = []
    try:
        while len(chunks) * CHUNK < PRIMED and not request_waiting():
            chunks.append(bytearray(CHUNK))  # allocated zeroed: each page touched
    except MemoryError:  # a small memory limit: what fits is primed, the rest is not
        pass
    return len(chunks) * CHUNK  # the chunks are freed here, kept by malloc
