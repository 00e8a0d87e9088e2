"""SkillManager: registration checks, both call paths, nesting, events."""

from __future__ import annotations

from typing import Any

import pytest

from codemode_skills.errors import (
    SkillExists,
    SkillNotFound,
    SkillValidationError,
    ToolError,
    ToolValidationError,
)
from codemode_skills.events import Event
from codemode_skills.skills import SkillToolset
from codemode_skills.storage import MemorySkillStorage
from codemode_skills.trust import TrustLevel
from tests.skill_cases import BASKET, cm, events, make, types

__all__ = ["cm", "events"]  # fixtures, used by name


# -- registration ---------------------------------------------------------------------------


async def test_register_and_call(cm: Any, events: list[Event]) -> None:
    manager = make(cm)
    skill = await manager.register(BASKET, author="alice", test_input={"items": ["apple"]})
    assert skill.version == 1 and skill.trust is TrustLevel.UNTRUSTED and skill.author == "alice"
    assert await manager.call("basket_total", {"items": ["apple", "pear"]}) == 3.5
    assert "skill:registered" in types(events)
    assert types(events, "code_mode:skill") == ["code_mode:skill_call", "code_mode:skill_result"]
    stats = (await manager.get("basket_total")).stats
    assert stats.executions == 1 and stats.successes == 1  # the test run did not count


async def test_a_bad_registration_lists_every_problem_and_stores_nothing(cm: Any) -> None:
    manager = make(cm)
    bad = {
        "name": "get_price",  # a tool's name
        "description": "broken",
        "code": "x = __builtins__\nreturn await skills.missing_one()",
        "input_schema": {"type": "objekt"},
        "output_schema": {"type": 5},
    }
    with pytest.raises(SkillValidationError) as info:
        await manager.register(bad)
    problems = " | ".join(info.value.problems)
    for expected in (
        "already a tool",
        "does not compile",
        "input_schema",
        "output_schema",
        "missing_one",
    ):
        assert expected in problems
    assert "line 1" in problems  # the policy violation is located
    assert await manager.list() == []


async def test_a_skill_that_names_a_refused_attribute_is_refused_at_registration(cm: Any) -> None:
    """A program may mention ``__subclasses__`` on a line that never runs (the sandbox
    refuses the access when it runs); a skill is kept for others, so it is refused up
    front, with the line, even in a branch no test input reaches."""
    manager = make(cm)
    spec = {
        "name": "sneaky",
        "description": "looks harmless",
        "code": "if input.get('x'):\n    return ().__class__.__mro__[1].__subclasses__()\nreturn 1",
    }
    with pytest.raises(SkillValidationError) as info:
        await manager.register(spec, test_input={})
    problems = " | ".join(info.value.problems)
    assert "'__mro__' (line 2)" in problems and "'__subclasses__' (line 2)" in problems
    assert await manager.list() == []
    ran = await manager.code_mode.execute("if False:\n    ().__subclasses__()\nreturn 1")
    assert ran.success and ran.result == 1  # a program keeps CPython's run-time semantics


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"name": "execute_python"}, "reserved"),
        ({"name": "Bad-Name"}, "name"),
        ({"code": "def broken(:\n  pass"}, "SyntaxError"),
        ({"code": "return await skills.basket_total(items=[])"}, "itself"),
        ({"input_schema": {"type": "array"}}, "object"),
        ({"depends_on": ["nowhere"]}, "nowhere"),
    ],
)
async def test_registration_checks(cm: Any, changes: dict[str, Any], fragment: str) -> None:
    manager = make(cm)
    with pytest.raises(SkillValidationError) as info:
        await manager.register({**BASKET, **changes})
    assert fragment in str(info.value)
    assert await manager.list() == []


async def test_test_run_failures_store_nothing(cm: Any) -> None:
    manager = make(cm)
    with pytest.raises(SkillValidationError, match="test run failed: ToolError"):
        await manager.register(BASKET, test_input={"items": ["durian"]})
    with pytest.raises(SkillValidationError, match="test_input does not match"):
        await manager.register(BASKET, test_input={"items": "apple"})
    wrong_output = {**BASKET, "output_schema": {"type": "string"}}
    with pytest.raises(SkillValidationError, match="output_schema"):
        await manager.register(wrong_output, test_input={"items": ["apple"]})
    assert await manager.list() == []


async def test_duplicate_registration_is_refused(cm: Any) -> None:
    manager = make(cm)
    await manager.register(BASKET)
    with pytest.raises(SkillExists):
        await manager.register({**BASKET, "description": "again"})
    assert (await manager.get("basket_total")).description == BASKET["description"]


async def test_dependencies_are_detected_from_the_code(cm: Any) -> None:
    manager = make(cm)
    await manager.register(BASKET)
    double = await manager.register(
        {
            "name": "double_basket",
            "description": "twice the total",
            "code": "return 2 * await skills.basket_total(items=input['items'])",
        }
    )
    assert double.depends_on == ["basket_total"]


# -- both call paths count ---------------------------------------------------------------


async def test_stats_are_counted_from_both_call_paths(cm: Any, storage: Any) -> None:
    manager = make(cm, storage)
    await manager.register(BASKET)
    [as_tool] = SkillToolset(manager).skill_tools([await manager.get("basket_total")])
    assert as_tool.name == "basket_total" and as_tool.input_schema == BASKET["input_schema"]
    assert await as_tool.invoke({"items": ["pear"]}) == 2.0  # path 1: the skill as a tool
    result = await manager.execute(  # path 2: skills.x() inside a program
        "a = await skills.basket_total(items=['apple'])\n"
        "try:\n"
        "    await skills.basket_total(items=['durian'])\n"
        "except ToolError as exc:\n"
        "    err = str(exc)\n"
        "return [a, err]"
    )
    assert result.success, result.error
    assert result.result[0] == 1.5 and "basket_total failed" in result.result[1]
    with pytest.raises(ToolError, match="basket_total failed"):
        await as_tool.invoke({"items": ["kiwi"]})
    stats = (await manager.get("basket_total")).stats
    assert (stats.executions, stats.successes, stats.failures) == (4, 2, 2)
    assert "KeyError" in (stats.last_error or "")
    assert [r.success for r in await manager.runs("basket_total")] == [
        False,
        False,
        True,
        True,
    ]


async def test_skills_take_positional_arguments(cm: Any) -> None:
    manager = make(cm)
    await manager.register(BASKET)
    result = await manager.execute("return await skills.basket_total(['apple', 'pear'])")
    assert result.success, result.error
    assert result.result == 3.5


async def test_invalid_input_is_refused_and_not_counted(cm: Any) -> None:
    manager = make(cm)
    await manager.register(BASKET)
    with pytest.raises(ToolValidationError, match="items"):
        await manager.call("basket_total", {"items": 3})
    result = await manager.execute("return await skills.basket_total(wrong=1)")
    assert result.error is not None and result.error.type == "ToolValidationError"
    assert (await manager.get("basket_total")).stats.executions == 0


async def test_a_result_that_breaks_the_output_schema_is_a_failure(cm: Any) -> None:
    manager = make(cm)
    await manager.register({**BASKET, "name": "liar", "code": "return 'not a number'"})
    with pytest.raises(ToolError, match="output_schema"):
        await manager.call("liar", {"items": []})
    assert (await manager.get("liar")).stats.failures == 1


# -- nesting ------------------------------------------------------------------------------


async def test_skills_call_skills(cm: Any, events: list[Event]) -> None:
    manager = make(cm)
    await manager.register(BASKET)
    await manager.register(
        {
            "name": "double_basket",
            "description": "twice the total",
            "code": "return 2 * await skills.basket_total(items=input['items'])",
        }
    )
    assert await manager.call("double_basket", {"items": ["apple"]}) == 3.0
    depths = [(e.data["name"], e.data["depth"]) for e in events if e.type.endswith("skill_call")]
    assert depths == [("double_basket", 0), ("basket_total", 1)]
    assert (await manager.get("basket_total")).stats.executions == 1  # nested runs count


async def test_cycles_are_stopped(cm: Any) -> None:
    manager = make(cm)
    await manager.register({"name": "ping", "description": "ping", "code": "return 1"})
    await manager.register(
        {
            "name": "pong",
            "description": "pong",
            "code": "return await skills.ping()",
        }
    )
    await manager.update("ping", {"code": "return await skills.pong()"})
    result = await manager.execute("return await skills.ping()")
    assert not result.success
    assert "cycle: ping -> pong -> ping" in result.error.message


async def test_depth_is_limited(cm: Any) -> None:
    manager = make(cm, max_depth=3)
    await manager.register({"name": "level1", "description": "leaf", "code": "return 1"})
    for n in range(2, 5):
        await manager.register(
            {
                "name": f"level{n}",
                "description": "wraps the level below",
                "code": f"return 1 + await skills.level{n - 1}()",
            }
        )
    assert await manager.call("level3") == 3
    with pytest.raises(ToolError, match="nest 3 deep: level4 -> level3 -> level2 -> level1"):
        await manager.call("level4")


async def test_a_skill_registered_during_a_run_is_callable_in_it(cm: Any) -> None:
    manager = make(cm)
    cm.add_tools(SkillToolset(manager).management_tools)
    result = await manager.execute(
        "await tools.register_skill(name='triple', description='three times x',\n"
        "    code='return 3 * input[\"x\"]',\n"
        "    input_schema={'type': 'object', 'properties': {'x': {'type': 'integer'}}},\n"
        "    test_input={'x': 1})\n"
        "return await skills.triple(x=5)"
    )
    assert result.success, result.error
    assert result.result == 15


async def test_unknown_skill_and_other_tenants(cm: Any) -> None:
    store = MemorySkillStorage("acme")
    acme = make(cm, store)
    await acme.register(BASKET)
    other = make(cm, store.for_tenant("globex"))
    with pytest.raises(SkillNotFound):
        await other.call("basket_total", {"items": []})
    result = await other.execute("return await skills.basket_total(items=[])")
    assert result.error is not None and "no skill named 'basket_total'" in result.error.message
