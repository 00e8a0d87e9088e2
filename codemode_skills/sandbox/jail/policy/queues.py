"""``queue``'s classes with their blocking waits in slices, so a stop can land.

A program has no threads, so ``Queue().get()`` on an empty queue (or ``put`` on a full
bounded one, or ``join`` with unfinished tasks) waits forever, as it would in CPython:
the run's timeout ends it. In a worker the host kills the process. In-process the stop
is an asynchronous exception, which CPython delivers only between bytecodes, never
inside the C-level lock wait a blocking ``get`` sits in: these classes wait in slices of
at most ``SLEEP_SLICE_S`` (the same as ``time.sleep``), so the stop lands within one.

They are the real classes with sliced waits, not checked stand-ins: everything else is
the stdlib's own code. A program that calls a raw method through ``super()`` gets the
unsliced wait, which in-process is a long C-level operation like ``10**10**8`` (see
docs/security.md, "What InProcessDriver does not protect").
"""

from __future__ import annotations

import queue as _queue
import threading
import time
from typing import Any

from .facades import SLEEP_SLICE_S


class SlicedCondition(threading.Condition):
    """A condition whose ``wait`` waits in slices. The lock is held between slices, so
    a notify cannot be missed; callers re-check their predicate as usual."""

    def wait(self, timeout: float | None = None) -> bool:
        end = None if timeout is None else time.monotonic() + timeout
        while True:
            left = SLEEP_SLICE_S if end is None else min(SLEEP_SLICE_S, end - time.monotonic())
            if left <= 0:
                return False
            if super().wait(left):
                return True


class Queue(_queue.Queue):
    __doc__ = _queue.Queue.__doc__

    def __init__(self, maxsize: int = 0) -> None:
        super().__init__(maxsize)
        self.not_empty = SlicedCondition(self.mutex)
        self.not_full = SlicedCondition(self.mutex)
        self.all_tasks_done = SlicedCondition(self.mutex)


class LifoQueue(Queue, _queue.LifoQueue):  # subclasses of Queue, as in CPython
    __doc__ = _queue.LifoQueue.__doc__


class PriorityQueue(Queue, _queue.PriorityQueue):
    __doc__ = _queue.PriorityQueue.__doc__


class SimpleQueue(_queue.SimpleQueue):
    __doc__ = _queue.SimpleQueue.__doc__

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        if not block or (timeout is not None and timeout <= SLEEP_SLICE_S):
            return super().get(block, timeout)  # the real errors for a bad timeout
        end = None if timeout is None else time.monotonic() + timeout
        while True:
            left = SLEEP_SLICE_S if end is None else end - time.monotonic()
            if left <= 0:
                break
            try:
                return super().get(True, min(left, SLEEP_SLICE_S))
            except _queue.Empty:
                continue
        raise _queue.Empty  # outside the handler: no chained slice exception


#: The facade's classes (shown as ``queue``'s, as a program expects in reprs).
CLASSES: tuple[type, ...] = (Queue, LifoQueue, PriorityQueue, SimpleQueue)
for _cls in CLASSES:
    _cls.__module__ = "queue"
#: Every class here a program can reach (made immutable in-process).
PROGRAM_VISIBLE: tuple[type, ...] = (*CLASSES, SlicedCondition)
