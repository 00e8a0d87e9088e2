"""The cancel flag of one blocking call (``CallScope``) and the mark of one execution's calls.

A thread cannot be stopped from outside, so when the program that made a blocking call
is gone, the call's scope is cancelled and cooperative code stops on its own: the SSRF
guard checks it between reads, and any blocking tool can check ``cancelled()`` or sleep
with ``current_call().wait(s)``. The flag lives here, below the tools package that runs
blocking calls (``tools.blocking`` binds a scope to each call), because the SSRF guard in
this package reads it and security imports nothing above ``errors``.
"""

from __future__ import annotations

import contextvars
import threading
from typing import Any


class CallScope:
    """One blocking call: ``cancelled`` turns true when the program that made it is gone."""

    def __init__(self) -> None:
        self._event = threading.Event()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def cancel(self) -> None:
        self._event.set()

    def wait(self, timeout: float) -> bool:
        """Sleep up to ``timeout`` seconds, waking early on cancellation; True if
        cancelled."""
        return self._event.wait(timeout)


_SCOPE: contextvars.ContextVar[CallScope | None] = contextvars.ContextVar(
    "codemode_skills_blocking_call", default=None
)


def bind_call(scope: CallScope) -> None:
    """Make ``scope`` the current call's (run it in the context the call runs in)."""
    _SCOPE.set(scope)


def current_call() -> CallScope | None:
    """The blocking call running in this thread (None outside one)."""
    return _SCOPE.get()


def cancelled() -> bool:
    """Whether the program that made the current blocking call is gone."""
    scope = _SCOPE.get()
    return scope is not None and scope.cancelled


class ExecutionScope:
    """Marks the calls of one execution: its blocking calls share one budget
    (``tools.blocking`` keeps it in ``budget`` on the first call)."""

    __slots__ = ("budget",)

    def __init__(self) -> None:
        self.budget: Any = None


_EXECUTION: contextvars.ContextVar[ExecutionScope | None] = contextvars.ContextVar(
    "codemode_skills_execution_scope", default=None
)


def enter_execution() -> None:
    """Open a scope of its own for the calls dispatched in the current context. Drivers
    (the bridge) call it once in the context each execution's calls are copied from."""
    _EXECUTION.set(ExecutionScope())


def current_execution() -> ExecutionScope | None:
    """The execution scope the current call belongs to (None outside a bridge)."""
    return _EXECUTION.get()
