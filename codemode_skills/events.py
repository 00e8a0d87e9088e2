"""Events: what happened during an execution, for UIs, logs and audits.

Subscribers are sync callbacks (``hub.subscribe(fn)``) or async iterators
(``async for event in hub.stream(): ...``). A failing subscriber never breaks a run.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

log = logging.getLogger("codemode_skills.events")


class EventType(StrEnum):
    """Every event name the library emits (``Event.type``; plain strings compare equal)."""

    EXECUTION_STARTED = "code_mode:execution_started"
    CONSOLE = "code_mode:console"
    TOOL_CALL = "code_mode:tool_call"
    TOOL_RESULT = "code_mode:tool_result"
    TOOL_ERROR = "code_mode:tool_error"
    EXECUTION_FINISHED = "code_mode:execution_finished"
    SKILL_CALL = "code_mode:skill_call"
    SKILL_RESULT = "code_mode:skill_result"
    SKILL_ERROR = "code_mode:skill_error"
    SKILL_REGISTERED = "skill:registered"
    SKILL_UPDATED = "skill:updated"
    SKILL_TRUST_CHANGED = "skill:trust_changed"
    SKILL_REVIEW_REQUESTED = "skill:review_requested"
    # the agent loop's own
    MODEL_REQUEST = "agent:model_request"
    MODEL_RESPONSE = "agent:model_response"
    AGENT_TOOL_CALL = "agent:tool_call"
    AGENT_TOOL_RESULT = "agent:tool_result"
    AGENT_DONE = "agent:done"


class Event(BaseModel):
    type: str
    data: dict[str, Any] = Field(default_factory=dict)
    timestamp: float = Field(default_factory=time.time)


class EventHub:
    """Fan-out of events to callbacks and async streams."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[[Event], Any]] = []
        self._queues: list[asyncio.Queue[Event | None]] = []

    def subscribe(self, callback: Callable[[Event], Any]) -> Callable[[], None]:
        """Call ``callback(event)`` for every event; returns an unsubscribe function."""
        self._callbacks.append(callback)

        def unsubscribe() -> None:  # idempotent: a second call does nothing
            if callback in self._callbacks:
                self._callbacks.remove(callback)

        return unsubscribe

    async def stream(self) -> AsyncIterator[Event]:
        """Iterate over events as they happen, until ``close()``."""
        queue: asyncio.Queue[Event | None] = asyncio.Queue()
        self._queues.append(queue)
        try:
            while (event := await queue.get()) is not None:
                yield event
        finally:
            self._queues.remove(queue)

    @property
    def active(self) -> bool:
        """Whether anyone listens (callers skip building event data otherwise)."""
        return bool(self._callbacks or self._queues)

    def emit(self, type_: str, **data: Any) -> None:
        if not self._callbacks and not self._queues:
            return
        event = Event(type=type_, data=data)
        for callback in list(self._callbacks):
            try:
                callback(event)
            except Exception:
                log.exception("event subscriber failed for %s", type_)
        for queue in self._queues:
            queue.put_nowait(event)

    def close(self) -> None:
        for queue in self._queues:
            queue.put_nowait(None)
