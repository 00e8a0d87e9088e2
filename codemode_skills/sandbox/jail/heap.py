"""A worker's heap, made ready before its request comes.

A worker is a fresh process, so the first time a program grows a large buffer (a list of
200,000 items, a long string being built) glibc serves it with ``mmap``, and every page it
touches is a page fault; a long-lived CPython process has long since raised its ``mmap``
threshold and kept a faulted-in heap, so the same loop runs up to ~1.3x faster there. The
worker closes that gap while it waits for work: it keeps allocations up to
``MMAP_THRESHOLD`` on the heap and not trimmed, and touches ``PRIMED`` bytes of it once.
That memory stays the program's (malloc reuses it; it counts against the run's memory
limit like anything else). On a libc without ``mallopt`` nothing happens.
"""

from __future__ import annotations

import ctypes

#: glibc's mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
#: Allocations up to this size come from the heap (glibc's ceiling is 32 MiB on 64-bit).
MMAP_THRESHOLD = 32 * 1024 * 1024
#: Bytes of heap touched while the worker waits (freed again, kept by malloc).
PRIMED = 16 * 1024 * 1024


def prime() -> bool:
    """Tune malloc and fault in ``PRIMED`` bytes of heap. True when it could."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    if not mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD):
        return False
    mallopt(_M_TRIM_THRESHOLD, 2 * MMAP_THRESHOLD)
    del bytearray(PRIMED)[:]  # allocated zeroed (each page touched), then freed
    return True
