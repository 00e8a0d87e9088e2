"""``ScriptedModel``: replays responses in order. For tests, demos and benchmarks that
must make the same decisions every run, offline."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Iterable
from typing import Any

from .base import Message, ModelError, ModelResponse

Step = str | ModelResponse | Exception | Callable[..., Any]


class ScriptedModel:
    """Each ``complete`` call takes the next step: a string (the text), a
    ``ModelResponse``, an exception (raised), or a callable ``(messages, **kwargs)``
    returning one of those (sync or async). ``delay_s`` simulates latency."""

    def __init__(self, script: Iterable[Step], *, name: str = "scripted", delay_s: float = 0.0):
        self.name = name
        self._script = list(script)
        self.delay_s = delay_s
        self.calls: list[dict[str, Any]] = []

    @property
    def remaining(self) -> int:
        return len(self._script)

    async def complete(self, messages: list[Message], **kwargs: Any) -> ModelResponse:
        self.calls.append({"messages": list(messages), **kwargs})
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if not self._script:
            raise ModelError("the scripted model has no responses left")
        step = self._script.pop(0)
        if callable(step) and not isinstance(step, type):
            step = step(messages, **kwargs)
            if inspect.isawaitable(step):
                step = await step
        if isinstance(step, BaseException):
            raise step
        if isinstance(step, str):
            return ModelResponse(text=step)
        return step
