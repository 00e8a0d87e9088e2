"""``OpenAIModel``: Chat Completions tool calling through the official ``openai`` SDK.

``base_url`` points it at any OpenAI-compatible server (Ollama, vLLM, llama.cpp's
server, LiteLLM). Rate limits (429) and transient errors (408, 409, 5xx, connection
failures) are retried by the SDK with exponential backoff (``max_retries``); a refused
key raises ``ModelError`` with a plain message instead of a stack of HTTP details.
"""

from __future__ import annotations

import json
import os
from typing import Any

from .base import Message, ModelError, ModelResponse, ToolCall, Usage, sdk_errors


def _tool_spec(tool: Any) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": tool.name,
            "description": tool.description,
            "parameters": tool.parameters_schema(),
        },
    }


def _wire(message: Message) -> dict[str, Any]:
    if message.role == "tool":
        return {"role": "tool", "tool_call_id": message.tool_call_id, "content": message.content}
    out: dict[str, Any] = {"role": message.role, "content": message.content or None}
    if message.tool_calls:
        out["tool_calls"] = [
            {
                "id": c.id,
                "type": "function",
                "function": {"name": c.name, "arguments": json.dumps(c.arguments)},
            }
            for c in message.tool_calls
        ]
    return out


def _arguments(raw: str | None) -> dict[str, Any]:
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return {"__invalid_json__": raw}
    return value if isinstance(value, dict) else {"value": value}


class OpenAIModel:
    def __init__(
        self,
        model: str = "gpt-4o-mini",
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        max_retries: int = 4,
        timeout_s: float = 120.0,
        temperature: float | None = None,
        client: Any = None,
    ) -> None:
        self.name = model
        self.temperature = temperature
        if client is None:
            from openai import AsyncOpenAI

            key = api_key or os.environ.get("OPENAI_API_KEY") or ("local" if base_url else None)
            if key is None:
                raise ModelError("no OpenAI API key: set OPENAI_API_KEY or pass api_key/base_url")
            client = AsyncOpenAI(
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
        import openai

        wire = ([{"role": "system", "content": system}] if system else []) + [
            _wire(m) for m in messages
        ]
        kwargs: dict[str, Any] = {"model": self.name, "messages": wire}
        if tools:
            kwargs["tools"] = [_tool_spec(t) for t in tools]
        if response_schema is not None:
            kwargs["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "answer", "schema": response_schema},
            }
        if max_tokens is not None:
            kwargs["max_tokens"] = max_tokens
        if self.temperature is not None:
            kwargs["temperature"] = self.temperature
        with sdk_errors(openai, self.name):
            response = await self._client.chat.completions.create(**kwargs)
        choice = response.choices[0]
        calls = [
            ToolCall(id=c.id, name=c.function.name, arguments=_arguments(c.function.arguments))
            for c in (choice.message.tool_calls or [])
        ]
        usage = response.usage
        return ModelResponse(
            text=choice.message.content or "",
            tool_calls=calls,
            usage=Usage(
                input_tokens=getattr(usage, "prompt_tokens", 0) or 0,
                output_tokens=getattr(usage, "completion_tokens", 0) or 0,
            ),
            stop_reason=choice.finish_reason,
        )
