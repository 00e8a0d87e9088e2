"""``AnthropicModel``: Messages API tool use through the official ``anthropic`` SDK.

Structured output is a forced tool call (``respond``, whose input schema is the wanted
schema); its input comes back as the response text, in JSON. Retries with backoff on
429/5xx are the SDK's (``max_retries``); a refused key raises ``ModelError``.
"""

from __future__ import annotations

import json
import os
from typing import Any

from .base import Message, ModelError, ModelResponse, ToolCall, Usage, sdk_errors

_RESPOND = "respond"


def _wire(messages: list[Message]) -> list[dict[str, Any]]:
    """Our messages as Anthropic's: tool results are user turns of tool_result blocks,
    and consecutive turns of one role are merged."""
    out: list[dict[str, Any]] = []
    for m in messages:
        if m.role == "system":
            continue
        if m.role == "tool":
            role = "user"
            blocks = [{"type": "tool_result", "tool_use_id": m.tool_call_id, "content": m.content}]
        else:
            role = m.role
            blocks = [{"type": "text", "text": m.content}] if m.content else []
            blocks += [
                {"type": "tool_use", "id": c.id, "name": c.name, "input": c.arguments}
                for c in m.tool_calls
            ]
        if out and out[-1]["role"] == role:
            out[-1]["content"] += blocks
        else:
            out.append({"role": role, "content": blocks})
    return out


class AnthropicModel:
    def __init__(
        self,
        model: str = "claude-3-5-haiku-latest",
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        max_retries: int = 4,
        timeout_s: float = 120.0,
        max_tokens: int = 4096,
        client: Any = None,
    ) -> None:
        self.name = model
        self.max_tokens = max_tokens
        if client is None:
            from anthropic import AsyncAnthropic

            key = api_key or os.environ.get("ANTHROPIC_API_KEY")
            if key is None:
                raise ModelError("no Anthropic API key: set ANTHROPIC_API_KEY or pass api_key")
            client = AsyncAnthropic(
                api_key=key, base_url=base_url, max_retries=max_retries, timeout=timeout_s
            )
        self._client = client

    async def complete(
        self,
        messages: list[Message],
        *,
        system: str | None = None,
        tools: list[Any] | None = None,
        response_schema: dict[str, Any] | None = None,
        max_tokens: int | None = None,
    ) -> ModelResponse:
        import anthropic

        kwargs: dict[str, Any] = {
            "model": self.name,
            "max_tokens": max_tokens or self.max_tokens,
            "messages": _wire(messages),
        }
        if system:
            kwargs["system"] = system
        specs = [
            {"name": t.name, "description": t.description, "input_schema": t.parameters_schema()}
            for t in (tools or [])
        ]
        if response_schema is not None:
            specs.append(
                {
                    "name": _RESPOND,
                    "description": "Give the answer.",
                    "input_schema": response_schema,
                }
            )
            kwargs["tool_choice"] = {"type": "tool", "name": _RESPOND}
        if specs:
            kwargs["tools"] = specs
        with sdk_errors(anthropic, self.name):
            response = await self._client.messages.create(**kwargs)
        text, calls = [], []
        for block in response.content:
            if block.type == "text":
                text.append(block.text)
            elif block.type == "tool_use":
                if block.name == _RESPOND and response_schema is not None:
                    text.append(json.dumps(block.input))
                else:
                    calls.append(ToolCall(id=block.id, name=block.name, arguments=block.input))
        return ModelResponse(
            text="".join(text),
            tool_calls=calls,
            stop_reason=response.stop_reason,
            usage=Usage(
                input_tokens=response.usage.input_tokens, output_tokens=response.usage.output_tokens
            ),
        )
