"""The driver protocol: how code mode runs a program, whatever the isolation."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from .bridge import Bridge
from .policy.transformer import CompileFailed
from .result import ExecutionError, ExecutionResult
from .runtime import RunLimits, compile_failure


@dataclass
class ExecutionRequest:
    """Everything a driver needs for one run."""

    code: str
    bridge: Bridge
    timeout_s: float = 30.0
    memory_mb: int = 256
    limits: RunLimits = field(default_factory=RunLimits)
    globals: dict[str, Any] | None = None  # extra JSON globals, e.g. a skill's `input`


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


def os_limits(request: ExecutionRequest) -> tuple[int, int]:
    """The (memory MB, CPU seconds) a worker must enforce for ``request``."""
    return request.memory_mb, int(request.timeout_s) + 1


def tenant_of(request: ExecutionRequest) -> str | None:
    """The tenant a run acts for (what a per-tenant cache is keyed by)."""
    context = request.bridge.context
    return context.tenant if context is not None else None


def compile_failed(exc: CompileFailed, started: float) -> ExecutionResult:
    """The result of a program the host refused to compile (no worker was used)."""
    return make_result(compile_failure(exc.error), [], started, 0)


def make_result(
    outcome: dict[str, Any], logs: list[str], started: float, tool_calls: int
) -> ExecutionResult:
    """Shape a runtime outcome (``success``/``result``/``error``) as an ExecutionResult."""
    error = outcome.get("error")
    success = outcome.get("success") is True
    # the drivers have checked every field already: construct without re-validating
    return ExecutionResult.model_construct(
        success=success,
        result=outcome.get("result") if success else None,
        logs=split_logs(logs),
        error=ExecutionError.model_construct(
            type=str(error["type"]), message=str(error["message"]), line=error.get("line")
        )
        if error
        else None,
        duration_ms=(time.perf_counter() - started) * 1000,
        tool_calls=tool_calls,
    )


def failure(
    type_: str,
    message: str,
    logs: list[str],
    started: float,
    tool_calls: int = 0,
    line: int | None = None,
) -> ExecutionResult:
    outcome = {"success": False, "error": {"type": type_, "message": message, "line": line}}
    return make_result(outcome, logs, started, tool_calls)


def split_logs(chunks: list[str]) -> list[str]:
    """Printed text as lines (the way a console shows it)."""
    text = "".join(chunks)
    if not text:
        return []
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines
