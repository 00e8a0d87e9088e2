"""The driver protocol: how code mode runs a program, whatever the isolation.

``process/`` holds the default driver (a locked-down worker process per run);
``inprocess`` the weaker one for trusted code. What a run gives back is ``result``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from ..security.context import ExecutionContext
from .bridge import Bridge
from .jail.runtime import RunLimits
from .result import ExecutionResult


@dataclass
class ExecutionRequest:
    """Everything a driver needs for one run."""

    code: str
    bridge: Bridge
    timeout_s: float = 30.0
    memory_mb: int = 256
    limits: RunLimits = field(default_factory=RunLimits)
    globals: dict[str, Any] | None = None  # extra JSON globals, e.g. a skill's `input`
    #: Who the run acts for (None: no identity). The bridge authorizes calls with the
    #: same context; drivers read it here, e.g. to key per-tenant caches and queues.
    context: ExecutionContext | None = None

    @property
    def tenant(self) -> str | None:
        """The tenant the run acts for (what per-tenant caches and caps are keyed by)."""
        return self.context.tenant if self.context is not None else None


@runtime_checkable
class Driver(Protocol):
    """Runs programs. ``execute`` never raises for anything the program does."""

    name: str

    @property
    def isolation(self) -> dict[str, Any]:
        """Which isolation layers are active, and why the others are not."""
        ...

    async def start(self) -> None: ...

    async def execute(self, request: ExecutionRequest) -> ExecutionResult: ...

    async def close(self) -> None: ...
