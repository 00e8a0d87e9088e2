"""What an execution gives back: the result and logs the model sees, nothing more.

Also the helpers every driver shapes its results with (``make_result``, ``failure``),
so a result means the same whichever driver produced it.
"""

from __future__ import annotations

import time
from typing import Any

from pydantic import BaseModel, Field

from .jail.policy.transformer import CompileFailed
from .jail.runtime import compile_failure


class ExecutionError(BaseModel):
    """Why a program failed: a type the model can act on, a message, and the line.

    ``type`` is one of the library's (``SyntaxError``, ``PolicyViolation``,
    ``TimeoutError``, ``MemoryLimitExceeded``, ``ToolError``, ``ToolValidationError``,
    ``PermissionDenied``, ``RateLimited``, ``OutputLimitExceeded``,
    ``ToolCallLimitExceeded``, ``ResultNotSerializable``, ``SandboxError``), or the class
    name of an exception the program raised itself (``ValueError``, ``KeyError``...).
    """

    type: str
    message: str
    line: int | None = None


class ExecutionResult(BaseModel):
    """The outcome of one ``execute``. Never contains host paths or host frames.

    ``logs`` is what the program printed, as lines; each line it wrote to stderr
    (``sys.stderr``, ``print(..., file=sys.stderr)``, warnings) starts with ``"[stderr] "``
    (``jail.policy.streams.STDERR_PREFIX``)."""

    success: bool
    result: Any = None
    logs: list[str] = Field(default_factory=list)
    error: ExecutionError | None = None
    duration_ms: float = 0.0
    tool_calls: int = 0

    def for_model(self) -> dict[str, Any]:
        """The compact JSON payload returned to the model as the tool result."""
        payload: dict[str, Any] = {"success": self.success}
        if self.success:
            payload["result"] = self.result
        if self.logs:
            payload["logs"] = self.logs
        if self.error is not None:
            payload["error"] = self.error.model_dump()
        return payload


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
    """A failed result of type ``type_`` (see ``ExecutionError``)."""
    outcome = {"success": False, "error": {"type": type_, "message": message, "line": line}}
    return make_result(outcome, logs, started, tool_calls)


def compile_failed(exc: CompileFailed, started: float) -> ExecutionResult:
    """The result of a program the host refused to compile (no worker was used)."""
    return make_result(compile_failure(exc.error), [], started, 0)


def split_logs(chunks: list[str]) -> list[str]:
    """Printed text as lines (the way a console shows it). The jail has marked stderr
    lines already (``jail/policy/streams.py``), in the text, so nothing here depends on
    which driver produced the chunks."""
    text = "".join(chunks)
    if not text:
        return []
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines
