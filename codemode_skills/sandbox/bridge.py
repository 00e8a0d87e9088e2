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
        # ``skills`` may be a live mapping (``SkillManager``'s): it is consulted per call,
        # so a skill registered during the run resolves.
        self._targets: dict[str, Mapping[str, Callable_]] = {
            "tools": dict(tools),
            "skills": skills if skills is not None else {},
        }
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

    def can_inline(self, kind: str, name: str) -> bool:
        """Whether a call can be answered synchronously (a plain sync tool)."""
        target = self._targets.get(kind, {}).get(name)
        return bool(getattr(target, "inline", False))

    def call_inline(self, kind: str, name: str, args: dict[str, Any]) -> Any:
        """``call`` for targets where ``can_inline`` is true."""
        target = self._targets[kind][name]
        started = self._started(kind, name, args)
        try:
            value = target.invoke_inline(args)  # type: ignore[attr-defined]
        except Exception as exc:
            raise self._failed(kind, name, exc, started) from None
        return self._finished(kind, name, value, started)

    async def call(self, kind: str, name: str, args: dict[str, Any]) -> Any:
        target = self._targets.get(kind, {}).get(name)
        if target is None:
            raise BridgeError("ToolError", f"there is no {kind[:-1]} named {name!r}")
        started = self._started(kind, name, args)
        try:
            value = await target.invoke(args)
        except Exception as exc:
            raise self._failed(kind, name, exc, started) from None
        return self._finished(kind, name, value, started)

    def _started(self, kind: str, name: str, args: dict[str, Any]) -> float:
        # Skill calls report themselves (code_mode:skill_*), on every path they run by.
        if self.events.active and kind == "tools":
            self.events.emit(
                TOOL_CALL, execution_id=self.execution_id, kind=kind, name=name, args=args
            )
        return time.perf_counter()

    def _finished(self, kind: str, name: str, value: Any, started: float) -> Any:
        if self.events.active and kind == "tools":
            self.events.emit(
                TOOL_RESULT,
                execution_id=self.execution_id,
                kind=kind,
                name=name,
                duration_ms=(time.perf_counter() - started) * 1000,
            )
        return value

    def _failed(self, kind: str, name: str, exc: Exception, started: float) -> BridgeError:
        """Shape any failure of a target as the BridgeError the program will see."""
        if isinstance(exc, ToolValidationError):
            type_, message = "ToolValidationError", str(exc)
        elif isinstance(exc, ToolError):
            type_, message = "ToolError", str(exc)
        else:  # a target outside our Tool class
            type_, message = "ToolError", f"{name}() failed: {type(exc).__name__}: {exc}"
        self._error(kind, name, type_, message, started)
        return BridgeError(type_, scrub(message))

    def _error(self, kind: str, name: str, type_: str, message: str, started: float) -> None:
        if kind != "tools":
            return
        self.events.emit(
            TOOL_ERROR,
            execution_id=self.execution_id,
            kind=kind,
            name=name,
            error={"type": type_, "message": message},
            duration_ms=(time.perf_counter() - started) * 1000,
        )
