"""The host end of tool calls: dispatch, validation, events, and error shaping.

Both drivers hand every ``tools.x(...)``/``skills.x(...)`` call of a program to a
``Bridge``. Whatever goes wrong on the host side comes back to the program as a
``BridgeError`` carrying only a type name and a host-path-free message.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, Protocol

from ..errors import ToolError, ToolValidationError
from ..events import CONSOLE, TOOL_CALL, TOOL_ERROR, TOOL_RESULT, EventHub
from .runtime import scrub


class Callable_(Protocol):
    """What the bridge can call: a ``Tool``, or a skill adapter with the same shape."""

    name: str

    async def invoke(self, args: dict[str, Any]) -> Any: ...


class BridgeError(Exception):
    def __init__(self, type_: str, message: str) -> None:
        super().__init__(message)
        self.type = type_
        self.message = message


class Bridge:
    """Routes the calls of one execution to the host's tools (and skills)."""

    def __init__(
        self,
        tools: Mapping[str, Callable_],
        skills: Mapping[str, Callable_] | None = None,
        events: EventHub | None = None,
        execution_id: str = "",
    ) -> None:
        self._targets = {"tools": dict(tools), "skills": dict(skills or {})}
        self.events = events or EventHub()
        self.execution_id = execution_id

    @property
    def tool_names(self) -> list[str]:
        return list(self._targets["tools"])

    @property
    def skill_names(self) -> list[str]:
        return list(self._targets["skills"])

    def console(self, text: str) -> None:
        self.events.emit(CONSOLE, execution_id=self.execution_id, text=text)

    async def call(self, kind: str, name: str, args: dict[str, Any]) -> Any:
        target = self._targets.get(kind, {}).get(name)
        if target is None:
            raise BridgeError("ToolError", f"there is no {kind[:-1]} named {name!r}")
        started = time.perf_counter()
        self.events.emit(TOOL_CALL, execution_id=self.execution_id, kind=kind, name=name, args=args)
        try:
            value = await target.invoke(args)
        except ToolValidationError as exc:
            self._error(kind, name, "ToolValidationError", str(exc), started)
            raise BridgeError("ToolValidationError", scrub(str(exc))) from None
        except ToolError as exc:
            self._error(kind, name, "ToolError", str(exc), started)
            raise BridgeError("ToolError", scrub(str(exc))) from None
        except Exception as exc:
            message = f"{name}() failed: {type(exc).__name__}: {exc}"
            self._error(kind, name, "ToolError", message, started)
            raise BridgeError("ToolError", scrub(message)) from None
        self.events.emit(
            TOOL_RESULT,
            execution_id=self.execution_id,
            kind=kind,
            name=name,
            duration_ms=(time.perf_counter() - started) * 1000,
        )
        return value

    def _error(self, kind: str, name: str, type_: str, message: str, started: float) -> None:
        self.events.emit(
            TOOL_ERROR,
            execution_id=self.execution_id,
            kind=kind,
            name=name,
            error={"type": type_, "message": message},
            duration_ms=(time.perf_counter() - started) * 1000,
        )
