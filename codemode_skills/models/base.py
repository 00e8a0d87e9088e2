"""The ``Model`` protocol: what the agent loop and the skill picker need from an LLM.

Messages, tools and structured output are pydantic models at the boundary; adapters
(OpenAI, Anthropic, scripted) translate them to and from their wire formats.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, Field

from ..errors import ModelError


class ToolCall(BaseModel):
    id: str
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)


class Message(BaseModel):
    role: Literal["system", "user", "assistant", "tool"]
    content: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)  # assistant turns
    tool_call_id: str | None = None  # tool results
    name: str | None = None


class Usage(BaseModel):
    input_tokens: int = 0
    output_tokens: int = 0


class ModelResponse(BaseModel):
    text: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    stop_reason: str | None = None


@contextlib.contextmanager
def sdk_errors(sdk: Any, model: str) -> Iterator[None]:
    """Turn an official SDK's failures (after its own retries) into ``ModelError`` with a
    plain message; ``openai`` and ``anthropic`` name their exceptions alike."""
    try:
        yield
    except sdk.AuthenticationError as exc:
        raise ModelError(f"{model}: the API key was refused ({exc.status_code})") from None
    except sdk.APIStatusError as exc:
        raise ModelError(f"{model}: HTTP {exc.status_code}: {exc.message}") from None
    except sdk.APIConnectionError as exc:
        raise ModelError(f"{model}: cannot reach the server: {exc}") from None


@runtime_checkable
class Model(Protocol):
    name: str

    async def complete(
        self,
        messages: list[Message],
        *,
        system: str | None = None,
        tools: list[Any] | None = None,
        response_schema: dict[str, Any] | None = None,
        max_tokens: int | None = None,
    ) -> ModelResponse:
        """One model turn. With ``response_schema`` the text is JSON matching it."""
        ...
