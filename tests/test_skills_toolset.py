"""SkillToolset: the model-facing side of skills (management tools, skills as tools,
resolving names, the prompt) and the seams it stands on."""

from __future__ import annotations

from typing import Any

import pytest

from codemode_skills import Agent, ToolRegistry
from codemode_skills.errors import SkillValidationError, ToolError, ToolValidationError
from codemode_skills.models import ModelResponse, ScriptedModel, ToolCall
from codemode_skills.sandbox.jail.wire import POSITIONAL
from codemode_skills.skills import CallContext, Caller, SkillLibrary, SkillToolset
from codemode_skills.skills.toolset import SKILLS_RULES
from codemode_skills.storage import MemorySkillStorage
from tests.skill_cases import BASKET, cm, make

__all__ = ["cm"]  # a fixture, used by name


# -- model-facing tools -----------------------------------------------------------------------


async def test_management_tools(cm: Any) -> None:
    manager = make(cm)
    tools = {t.name: t for t in SkillToolset(manager).management_tools}
    assert set(tools) == {"register_skill", "search_skills", "get_skill", "update_skill"}
    saved = await tools["register_skill"].invoke({**BASKET, "test_input": {"items": ["pear"]}})
    assert saved["name"] == "basket_total" and saved["call_as"].startswith("await skills.")
    with pytest.raises(ToolValidationError, match="does not compile"):
        await tools["register_skill"].invoke({**BASKET, "name": "other", "code": "return ("})
    with pytest.raises(ToolError, match="already exists"):
        await tools["register_skill"].invoke(BASKET)
    await tools["register_skill"].invoke(
        {
            "name": "weather_report",
            "description": "Weather for a city",
            "code": "return 'sunny'",
        }
    )
    found = await tools["search_skills"].invoke({"query": "price of my shopping basket"})
    assert [f["name"] for f in found] == ["basket_total"]
    details = await tools["get_skill"].invoke({"name": "basket_total"})
    assert details["code"] == BASKET["code"] and details["input_schema"] == BASKET["input_schema"]
    updated = await tools["update_skill"].invoke(
        {"name": "basket_total", "description": "Sum of item prices", "note": "clearer"}
    )
    assert updated["version"] == 2
    old = await tools["get_skill"].invoke({"name": "basket_total", "version": 1})
    assert old["description"] == BASKET["description"] and old["current"] is False
    with pytest.raises(ToolError, match="no skill named"):
        await tools["get_skill"].invoke({"name": "nothing_here"})


async def test_skills_prompt_renders_stubs(cm: Any) -> None:
    manager = make(cm)
    skill = await manager.register(BASKET)
    text = SkillToolset(manager).instructions([skill])
    assert "await skills.<name>" in text
    assert "async def basket_total(" in text and "items: list[str]" in text


# -- skills as tools: one callable per skill ------------------------------------------------


async def test_a_skill_tool_takes_positional_arguments(cm: Any) -> None:
    manager = make(cm)
    [target] = SkillToolset(manager).skill_tools([await manager.register(BASKET)])
    assert target.parameters_schema() == BASKET["input_schema"] and target.scopes == frozenset()
    assert target.description.startswith(BASKET["description"]) and "v1" in target.description
    assert await target.invoke({}, positional=[["apple"]]) == 1.5  # as the bridge calls it
    # a program's positional call: the bridge takes the wire's key off and binds nothing
    ran = await manager.execute('return await skills.basket_total(["pear"])')
    assert ran.success and ran.result == 2.0, ran.error
    # the wire's key from anyone else (a model's tool call) is not a positional argument
    with pytest.raises(ToolValidationError):
        await target.invoke({POSITIONAL: [["pear"]]})
    with pytest.raises(ToolValidationError, match="multiple values"):
        await target.invoke({"items": ["pear"]}, positional=[["apple"]])
    await manager.delete("basket_total")
    with pytest.raises(ToolError, match="no skill named"):  # SkillNotFound, as a ToolError
        await target.invoke({"items": []})


async def test_each_version_is_validated_with_validators_built_once(cm: Any) -> None:
    manager = make(cm)
    await manager.register(BASKET)
    for _ in range(3):
        await manager.call("basket_total", {"items": ["apple"]})
    assert len(manager._validators) == 1
    await manager.update("basket_total", {"output_schema": {"type": "integer"}})
    with pytest.raises(ToolError, match="output_schema"):  # the new version's schema
        await manager.call("basket_total", {"items": ["apple"]})
    assert len(manager._validators) == 2


async def test_the_registry_resolves_a_skill_registered_during_the_run(cm: Any) -> None:
    manager = make(cm)
    toolset = SkillToolset(manager, Caller(caller="assistant"))
    registry = ToolRegistry([toolset.execute_tool], resolver=toolset.resolve)
    assert await registry.resolve("basket_total") is None and "basket_total" not in registry
    await manager.register(BASKET)
    found = await registry.resolve("basket_total")
    assert found is not None and "basket_total" in registry  # kept once found
    script = [
        ModelResponse(tool_calls=[ToolCall(id="c1", name="basket_total", arguments=BASKET_ARGS)]),
        ModelResponse(text="done"),
    ]
    agent = Agent(ScriptedModel(script), registry)
    result = await agent.run("what does it cost?")
    assert result.messages[2].content == "1.5"
    runs = await manager.runs("basket_total")
    assert [r.caller for r in runs] == ["assistant"]  # the toolset's caller


BASKET_ARGS = {"items": ["apple"]}


async def test_the_execute_tool_is_the_code_modes_with_skills(cm: Any) -> None:
    manager = make(cm)
    await manager.register(BASKET)
    toolset = SkillToolset(manager)
    tool = toolset.execute_tool
    assert tool.name == cm.tool.name == "execute_python"
    assert tool.description == cm.tool.description + " Saved skills are `await skills.<name>(...)`."
    out = await tool.invoke({"code": "return await skills.basket_total(items=['pear'])"})
    assert out["success"] and out["result"] == 2.0
    plain = await cm.tool.invoke({"code": "return await skills.basket_total(items=[])"})
    assert not plain["success"]  # the plain tool knows no skills


async def test_the_prompt_section_lists_stubs_like_the_code_modes(cm: Any) -> None:
    manager = make(cm)
    toolset = SkillToolset(manager)
    assert toolset.instructions([]) == SKILLS_RULES
    section = toolset.instructions([await manager.register(BASKET)])
    assert section.startswith(SKILLS_RULES) and section.endswith("\n```\n")
    assert "```python\n" in section and "```python\n" in cm.system_prompt


def test_the_old_name_of_caller_still_works() -> None:
    assert CallContext is Caller
    assert CallContext(unattended=True) == Caller(unattended=True)


# -- the library alone runs nothing -----------------------------------------------------------


async def test_a_library_checks_statically_and_runs_nothing() -> None:
    library = SkillLibrary(MemorySkillStorage("acme"))
    with pytest.raises(SkillValidationError, match="does not compile"):
        await library.register({**BASKET, "code": "return ("})
    with pytest.raises(SkillValidationError, match="needs a SkillManager"):
        await library.register(BASKET, test_input={"items": ["apple"]})
    skill = await library.register(BASKET)
    assert skill.version == 1 and [s.name for s in await library.list()] == ["basket_total"]


async def test_registration_compiles_once_for_the_test_run(cm: Any) -> None:
    programs = cm.driver.programs
    manager = make(cm)
    code = BASKET["code"] + "\n# compiled once"
    before = (programs.hits, programs.misses)
    await manager.register({**BASKET, "code": code}, test_input={"items": ["apple"]})
    hits, misses = programs.hits - before[0], programs.misses - before[1]
    assert misses == 1 and hits >= 1  # validation compiled it; the test run reused it
