"""``Agent``: the tool-calling loop.

Send the conversation to the model; run every tool call it asks for (``execute_python``,
skill tools, management tools, plain tools); append the results; repeat until the model
answers without tool calls or ``max_iterations`` is reached. Every step is an event on
the agent's hub (``agent:model_request``, ``agent:model_response``, ``agent:tool_call``,
``agent:tool_result``, plus the code-mode events when the hub is shared), and token usage
is summed as the model reports it.

With ``context`` (an ``ExecutionContext``) the whole run acts for that tenant and user:
executions, skill calls and storage operations pick it up, and tools the model calls
directly are refused unless the context grants their scopes.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any

from pydantic import BaseModel, Field

from .errors import CodeModeError, ScopeDenied
from .events import Event, EventHub, EventType
from .models.base import Message, Model, ToolCall, Usage
from .security.context import ExecutionContext, current_context, use_context
from .tools.registry import ToolRegistry
from .tools.tool import Tool


class AgentResult(BaseModel):
    text: str
    messages: list[Message]
    iterations: int
    usage: Usage = Field(default_factory=Usage)
    stopped: str = "answer"  # "answer" or "max_iterations"


def _encode(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


class Agent:
    def __init__(
        self,
        model: Model,
        tools: ToolRegistry | Iterable[Tool] = (),
        *,
        system_prompt: str | None = None,
        max_iterations: int = 10,
        events: EventHub | None = None,
        context: ExecutionContext | None = None,
    ) -> None:
        self.model = model
        self.registry = tools if isinstance(tools, ToolRegistry) else ToolRegistry(tools)
        self.system_prompt = system_prompt
        self.max_iterations = max_iterations
        self.events = events or EventHub()
        self.context = context

    async def _call(self, call: ToolCall) -> str:
        self.events.emit(
            EventType.AGENT_TOOL_CALL, id=call.id, name=call.name, arguments=call.arguments
        )
        tool = await self.registry.resolve(call.name)
        if tool is None:
            content = _encode(
                {
                    "error": {
                        "type": "UnknownTool",
                        "message": f"there is no tool named {call.name!r}",
                    }
                }
            )
        else:
            try:
                if tool.scopes:
                    who = current_context()
                    if who is None:
                        raise ScopeDenied(f"{tool.name}() needs scopes and the run has none")
                    who.require(tool.scopes, f"{tool.name}()")
                content = _encode(await tool.invoke(call.arguments))
            except CodeModeError as exc:  # ToolError / ToolValidationError / skill errors
                content = _encode({"error": {"type": type(exc).__name__, "message": str(exc)}})
        self.events.emit(EventType.AGENT_TOOL_RESULT, id=call.id, name=call.name, content=content)
        return content

    async def run(self, conversation: str | Sequence[Message]) -> AgentResult:
        with use_context(self.context):
            return await self._run(conversation)

    async def _run(self, conversation: str | Sequence[Message]) -> AgentResult:
        messages = (
            [Message(role="user", content=conversation)]
            if isinstance(conversation, str)
            else list(conversation)
        )
        usage = Usage()
        for iteration in range(1, self.max_iterations + 1):
            tools = list(self.registry)
            self.events.emit(
                EventType.MODEL_REQUEST,
                iteration=iteration,
                messages=len(messages),
                tools=[t.name for t in tools],
            )
            response = await self.model.complete(messages, system=self.system_prompt, tools=tools)
            usage = Usage(
                input_tokens=usage.input_tokens + response.usage.input_tokens,
                output_tokens=usage.output_tokens + response.usage.output_tokens,
            )
            self.events.emit(
                EventType.MODEL_RESPONSE,
                iteration=iteration,
                text=response.text,
                tool_calls=[c.model_dump() for c in response.tool_calls],
                usage=response.usage.model_dump(),
            )
            messages.append(
                Message(role="assistant", content=response.text, tool_calls=response.tool_calls)
            )
            if not response.tool_calls:
                self.events.emit(
                    EventType.AGENT_DONE, iterations=iteration, usage=usage.model_dump()
                )
                return AgentResult(
                    text=response.text, messages=messages, iterations=iteration, usage=usage
                )
            results = await asyncio.gather(*(self._call(c) for c in response.tool_calls))
            for call, content in zip(response.tool_calls, results, strict=True):
                messages.append(
                    Message(role="tool", content=content, tool_call_id=call.id, name=call.name)
                )
        self.events.emit(
            EventType.AGENT_DONE, iterations=self.max_iterations, usage=usage.model_dump()
        )
        return AgentResult(
            text=messages[-1].content,
            messages=messages,
            iterations=self.max_iterations,
            usage=usage,
            stopped="max_iterations",
        )

    async def stream(self, conversation: str | Sequence[Message]) -> AsyncIterator[Event]:
        """The run's events as they happen (ends after ``agent:done``)."""
        queue: asyncio.Queue[Event | None] = asyncio.Queue()
        unsubscribe = self.events.subscribe(queue.put_nowait)
        task = asyncio.ensure_future(self.run(conversation))
        task.add_done_callback(lambda _: queue.put_nowait(None))
        try:
            while (event := await queue.get()) is not None:
                yield event
            await task  # re-raise a failure of the run
        finally:
            unsubscribe()
            if not task.done():
                task.cancel()
