"""What an execution gives back: the result and logs the model sees, nothing more."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

#: Error types the model can act on (``ExecutionError.type``). Exceptions the program
#: raises itself keep their own class name (``ValueError``, ``KeyError``...).
ERROR_TYPES = (
    "SyntaxError",
    "PolicyViolation",
    "TimeoutError",
    "MemoryLimitExceeded",
    "ToolError",
    "ToolValidationError",
    "PermissionDenied",
    "RateLimited",
    "OutputLimitExceeded",
    "ToolCallLimitExceeded",
    "ResultNotSerializable",
    "SandboxError",
)


class ExecutionError(BaseModel):
    """Why a program failed: a type the model can act on, a message, and the line."""

    type: str
    message: str
    line: int | None = None


class ExecutionResult(BaseModel):
    """The outcome of one ``execute``. Never contains host paths or host frames."""

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
