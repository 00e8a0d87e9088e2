"""The agent loop and code_mode_with_skills, end to end with a scripted model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from codemode_skills import Agent, code_mode_with_skills, tool
from codemode_skills.models import Message, ModelResponse, ScriptedModel, ToolCall, Usage
from codemode_skills.storage import open_storage
from codemode_skills.trust import CustomTrustStrategy, TrustLevel

PRICES = {"apple": 1.5, "pear": 2.0, "fig": 3.25}


@tool
async def get_price(item: str) -> float:
    """Price of one item in EUR."""
    return PRICES[item]


def call(tool_name: str, **arguments: Any) -> ModelResponse:
    return ModelResponse(
        tool_calls=[ToolCall(id=f"call_{tool_name}", name=tool_name, arguments=arguments)],
        usage=Usage(input_tokens=100, output_tokens=20),
    )


BASKET = {
    "name": "basket_total",
    "description": "Total price of a basket of items in EUR",
    "code": "return sum([await tools.get_price(item=i) for i in input['items']])",
    "input_schema": {
        "type": "object",
        "properties": {"items": {"type": "array", "items": {"type": "string"}}},
        "required": ["items"],
    },
    "test_input": {"items": ["apple"]},
}


def tool_results(messages: list[Message]) -> list[Any]:
    return [json.loads(m.content) for m in messages if m.role == "tool"]


async def test_learn_a_skill_then_reuse_it(tmp_path: Path, subprocess_driver: Any) -> None:
    url = f"sqlite:///{tmp_path / 'skills.db'}"
    strategy = CustomTrustStrategy(provisional=(1, 0.5), trusted=(50, 0.95))

    # request 1: solve with code, then save the program as a skill
    first = await code_mode_with_skills(
        [get_price],
        messages="What do an apple and a pear cost?",
        storage=url,
        tenant="acme",
        driver=subprocess_driver,
        trust_strategy=strategy,
    )
    assert first.selected == []  # nothing learned yet
    assert {"execute_python", "register_skill", "search_skills"} <= set(first.registry.names)
    assert "get_price" not in first.registry.names  # tools are called from programs
    model = ScriptedModel(
        [
            call(
                "execute_python",
                code="return sum([await tools.get_price(item=i) for i in ['apple', 'pear']])",
            ),
            call("register_skill", **BASKET),
            ModelResponse(text="Together they cost 3.5 EUR.", usage=Usage(input_tokens=50)),
        ]
    )
    agent = Agent(
        model, first.registry, system_prompt=first.system_prompt, events=first.code_mode.events
    )
    seen = []
    async for event in agent.stream("What do an apple and a pear cost?"):
        seen.append(event.type)
    for expected in (
        "agent:model_request",
        "agent:tool_call",
        "skill:registered",
        "code_mode:execution_finished",
        "agent:done",
    ):
        assert expected in seen
    messages = model.calls[-1]["messages"]
    executed, registered = tool_results(messages)
    assert executed["success"] is True and executed["result"] == 3.5
    assert registered["name"] == "basket_total"
    assert "skills.<name>" in first.system_prompt
    await first.close()

    # request 2, a new session on the same store: the skill is selected and called as a tool
    second = await code_mode_with_skills(
        [get_price],
        messages="How much is my basket: a fig and an apple?",
        storage=url,
        tenant="acme",
        driver=subprocess_driver,
        trust_strategy=strategy,
    )
    assert [s.name for s in second.selected][:1] == ["basket_total"]
    assert "async def basket_total(" in second.system_prompt
    model2 = ScriptedModel([call("basket_total", items=["fig", "apple"]), "4.75 EUR."])
    outcome = await Agent(model2, second.registry, system_prompt=second.system_prompt).run(
        "How much is my basket: a fig and an apple?"
    )
    assert outcome.text == "4.75 EUR." and outcome.iterations == 2
    assert tool_results(outcome.messages) == [4.75]
    assert outcome.usage.input_tokens == 100
    stored = open_storage(url, tenant="acme").get("basket_total")
    assert stored.stats.executions == 1 and stored.trust is TrustLevel.PROVISIONAL
    assert open_storage(url, tenant="other").list() == []
    await second.close()


async def test_a_skill_registered_mid_run_is_a_tool_in_the_same_run(
    tmp_path: Path, subprocess_driver: Any
) -> None:
    session = await code_mode_with_skills(
        [get_price],
        storage=f"sqlite:///{tmp_path / 's.db'}",
        driver=subprocess_driver,
        embedder=None,
    )
    model = ScriptedModel(
        [
            call("register_skill", **BASKET),
            call("basket_total", items=["pear", "pear"]),
            "done",
        ]
    )
    outcome = await Agent(model, session.registry).run("price two pears, and keep the skill")
    assert tool_results(outcome.messages)[1] == 4.0
    await session.close()


async def test_tool_errors_go_back_to_the_model(tmp_path: Path, subprocess_driver: Any) -> None:
    session = await code_mode_with_skills(
        [get_price],
        storage=f"sqlite:///{tmp_path / 's.db'}",
        driver=subprocess_driver,
        embedder=None,
    )
    model = ScriptedModel(
        [
            ModelResponse(
                tool_calls=[
                    ToolCall(id="1", name="no_such_tool", arguments={}),
                    ToolCall(
                        id="2", name="register_skill", arguments={**BASKET, "code": "return ("}
                    ),
                    ToolCall(id="3", name="execute_python", arguments={"code": "return 1/0"}),
                ]
            ),
            "sorry",
        ]
    )
    outcome = await Agent(model, session.registry).run("go")
    unknown, refused, failed = tool_results(outcome.messages)
    assert unknown["error"]["type"] == "UnknownTool"
    assert refused["error"]["type"] == "ToolValidationError"
    assert "does not compile" in refused["error"]["message"]
    assert failed["success"] is False and failed["error"]["type"] == "ZeroDivisionError"
    await session.close()


async def test_max_iterations_stops_the_loop() -> None:
    @tool
    def ping() -> str:
        """Ping."""
        return "pong"

    model = ScriptedModel([call("ping")] * 5)
    outcome = await Agent(model, [ping], max_iterations=3).run("loop forever")
    assert outcome.stopped == "max_iterations" and outcome.iterations == 3
    assert model.remaining == 2
    with pytest.raises(Exception):  # noqa: B017 - the script runs dry: the model error surfaces
        await Agent(ScriptedModel([]), [ping]).run("x")
