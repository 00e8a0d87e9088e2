"""Model adapters: the real openai and anthropic SDKs against a local server that speaks
their wire formats (tool calls, structured output, 429 retries, refused keys)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from codemode_skills import Agent, create_code_mode, tool
from codemode_skills.models import (
    AnthropicModel,
    Message,
    ModelError,
    OpenAIModel,
    ToolCall,
)
from tests.fakeapi import FakeAPI, chat


@tool
async def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


# -- OpenAI Chat Completions -------------------------------------------------------------------


async def test_openai_tool_calls_and_history(api: FakeAPI) -> None:
    api.reply(chat(calls=[("call_1", "add", '{"a": 2, "b": 3}')]))
    model = OpenAIModel("local-model", base_url=api.url + "/v1", api_key="k")
    history = [
        Message(role="user", content="add things"),
        Message(role="assistant", tool_calls=[ToolCall(id="c0", name="add", arguments={"a": 1})]),
        Message(role="tool", content="3", tool_call_id="c0"),
    ]
    response = await model.complete(history, system="be brief", tools=[add])
    assert response.tool_calls == [ToolCall(id="call_1", name="add", arguments={"a": 2, "b": 3})]
    assert (response.usage.input_tokens, response.usage.output_tokens) == (120, 30)
    sent = api.requests[0]
    assert sent["path"] == "/v1/chat/completions"
    assert sent["headers"]["authorization"] == "Bearer k"
    body = sent["body"]
    assert body["model"] == "local-model"
    assert body["messages"][0] == {"role": "system", "content": "be brief"}
    function = body["messages"][2]["tool_calls"][0]["function"]
    assert function == {"name": "add", "arguments": '{"a": 1}'}
    assert body["messages"][3] == {"role": "tool", "tool_call_id": "c0", "content": "3"}
    assert body["tools"][0]["function"]["parameters"]["required"] == ["a", "b"]


async def test_openai_structured_output(api: FakeAPI) -> None:
    api.reply(chat('{"skills": ["x"]}'))
    model = OpenAIModel("m", base_url=api.url, api_key="k")
    schema = {"type": "object", "properties": {"skills": {"type": "array"}}}
    response = await model.complete([Message(role="user", content="pick")], response_schema=schema)
    assert json.loads(response.text) == {"skills": ["x"]}
    assert api.requests[0]["body"]["response_format"]["json_schema"]["schema"] == schema


async def test_openai_retries_rate_limits(api: FakeAPI) -> None:
    api.reply(
        {"error": {"message": "slow down", "type": "rate_limit"}}, 429, **{"retry-after-ms": "10"}
    )
    api.reply({"error": {"message": "overloaded"}}, 503, **{"retry-after-ms": "10"})
    api.reply(chat("fine"))
    model = OpenAIModel("m", base_url=api.url, api_key="k")
    assert (await model.complete([Message(role="user", content="hi")])).text == "fine"
    assert len(api.requests) == 3


async def test_openai_bad_key_is_a_clear_error(api: FakeAPI) -> None:
    api.reply({"error": {"message": "Incorrect API key", "type": "invalid_request_error"}}, 401)
    model = OpenAIModel("m", base_url=api.url, api_key="wrong")
    with pytest.raises(ModelError, match="API key was refused"):
        await model.complete([Message(role="user", content="hi")])
    assert len(api.requests) == 1  # a refused key is not retried


async def test_agent_with_openai_runs_code(api: FakeAPI, subprocess_driver: Any) -> None:
    cm = create_code_mode([add], driver=subprocess_driver)
    code = json.dumps({"code": "return await tools.add(a=20, b=22)"})
    api.reply(chat(calls=[("call_1", "execute_python", code)]))
    api.reply(chat("The answer is 42."))
    model = OpenAIModel("m", base_url=api.url, api_key="k")
    result = await Agent(model, [cm.tool], system_prompt=cm.system_prompt).run("20 + 22?")
    assert result.text == "The answer is 42."
    tool_message = api.requests[1]["body"]["messages"][-1]
    assert tool_message["role"] == "tool" and json.loads(tool_message["content"])["result"] == 42
    assert result.usage.input_tokens == 240
    cm.events.close()


# -- Anthropic Messages -----------------------------------------------------------------------


def message(*blocks: dict[str, Any], stop: str = "end_turn") -> dict[str, Any]:
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude",
        "content": list(blocks),
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {"input_tokens": 200, "output_tokens": 40},
    }


async def test_anthropic_tool_use_and_history(api: FakeAPI) -> None:
    api.reply(
        message(
            {"type": "text", "text": "Adding."},
            {"type": "tool_use", "id": "tu_1", "name": "add", "input": {"a": 1, "b": 2}},
            stop="tool_use",
        )
    )
    model = AnthropicModel("claude", base_url=api.url, api_key="k")
    history = [
        Message(role="user", content="add"),
        Message(role="assistant", tool_calls=[ToolCall(id="tu_0", name="add", arguments={})]),
        Message(role="tool", content='{"error": "x"}', tool_call_id="tu_0"),
        Message(role="user", content="again"),
    ]
    response = await model.complete(history, system="be brief", tools=[add])
    assert response.text == "Adding." and response.stop_reason == "tool_use"
    assert response.tool_calls == [ToolCall(id="tu_1", name="add", arguments={"a": 1, "b": 2})]
    assert response.usage.input_tokens == 200
    sent = api.requests[0]
    headers = sent["headers"]
    assert sent["path"] == "/v1/messages"
    assert "k" in (headers.get("x-api-key"), headers.get("authorization", "")[len("Bearer ") :])
    body = sent["body"]
    assert body["system"] == "be brief" and body["tools"][0]["input_schema"]["type"] == "object"
    roles = [m["role"] for m in body["messages"]]
    assert roles == ["user", "assistant", "user"]  # the tool result and "again" merged
    assert body["messages"][2]["content"][0] == {
        "type": "tool_result",
        "tool_use_id": "tu_0",
        "content": '{"error": "x"}',
    }


async def test_anthropic_structured_output_is_a_forced_tool(api: FakeAPI) -> None:
    api.reply(
        message(
            {"type": "tool_use", "id": "t", "name": "respond", "input": {"skills": ["a"]}},
            stop="tool_use",
        )
    )
    model = AnthropicModel("claude", base_url=api.url, api_key="k")
    response = await model.complete(
        [Message(role="user", content="pick")], response_schema={"type": "object"}
    )
    assert json.loads(response.text) == {"skills": ["a"]} and response.tool_calls == []
    assert api.requests[0]["body"]["tool_choice"] == {"type": "tool", "name": "respond"}


async def test_anthropic_retries_and_refused_keys(api: FakeAPI) -> None:
    api.reply(
        {"type": "error", "error": {"type": "rate_limit_error", "message": "slow"}},
        429,
        **{"retry-after-ms": "10"},
    )
    api.reply(message({"type": "text", "text": "ok"}))
    model = AnthropicModel("claude", base_url=api.url, api_key="k")
    assert (await model.complete([Message(role="user", content="hi")])).text == "ok"
    assert len(api.requests) == 2
    api.reply(
        {
            "type": "error",
            "error": {"type": "authentication_error", "message": "invalid x-api-key"},
        },
        401,
    )
    with pytest.raises(ModelError, match="API key was refused"):
        await model.complete([Message(role="user", content="hi")])


def test_missing_keys_are_clear(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    with pytest.raises(ModelError, match="OPENAI_API_KEY"):
        OpenAIModel()
    with pytest.raises(ModelError, match="ANTHROPIC_API_KEY"):
        AnthropicModel()
