"""SkillManager: registration checks, both call paths, nesting, events, trust gates."""

from __future__ import annotations

from typing import Any

import pytest

from codemode_skills import create_code_mode, tool
from codemode_skills.errors import (
    SkillConflict,
    SkillExists,
    SkillNotAllowed,
    SkillNotFound,
    SkillValidationError,
    ToolError,
    ToolValidationError,
)
from codemode_skills.events import Event
from codemode_skills.skills import CallContext, SkillManager, SkillStatus
from codemode_skills.storage import MemorySkillStorage
from codemode_skills.trust import (
    CustomTrustStrategy,
    RelaxedTrustStrategy,
    TrustLevel,
    TrustPolicy,
)


@tool
async def get_price(item: str) -> float:
    """Price of one item."""
    prices = {"apple": 1.5, "pear": 2.0}
    if item not in prices:
        raise KeyError(item)
    return prices[item]


BASKET = {
    "name": "basket_total",
    "description": "Total price of a basket of items",
    "code": (
        "import asyncio\n"
        "prices = await asyncio.gather(*(tools.get_price(item=i) for i in input['items']))\n"
        "return sum(prices)"
    ),
    "input_schema": {
        "type": "object",
        "properties": {"items": {"type": "array", "items": {"type": "string"}}},
        "required": ["items"],
    },
    "output_schema": {"type": "number"},
    "tags": ["shopping"],
}


@pytest.fixture
async def cm(subprocess_driver: Any) -> Any:
    mode = create_code_mode([get_price], driver=subprocess_driver, timeout_s=10)
    yield mode
    mode.events.close()


@pytest.fixture
def events(cm: Any) -> list[Event]:
    seen: list[Event] = []
    cm.events.subscribe(seen.append)
    return seen


def make(cm: Any, storage: Any = None, **options: Any) -> SkillManager:
    return SkillManager(storage or MemorySkillStorage("acme"), cm, **options)


def types(events: list[Event], prefix: str = "") -> list[str]:
    return [e.type for e in events if e.type.startswith(prefix)]


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
        "code": "x = ().__subclasses__()\nreturn await skills.missing_one()",
        "input_schema": {"type": "objekt"},
        "output_schema": {"type": 5},
    }
    with pytest.raises(SkillValidationError) as info:
        await manager.register(bad)
    problems = " | ".join(info.value.problems)
    for expected in ("already a tool", "does not compile", "input_schema", "output_schema",
                     "missing_one"):  # fmt: skip
        assert expected in problems
    assert "line 1" in problems  # the policy violation is located
    assert await manager.list() == []


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
    double = await manager.register({
        "name": "double_basket", "description": "twice the total",
        "code": "return 2 * await skills.basket_total(items=input['items'])",
    })  # fmt: skip
    assert double.depends_on == ["basket_total"]


# -- both call paths count ---------------------------------------------------------------


async def test_stats_are_counted_from_both_call_paths(cm: Any, storage: Any) -> None:
    manager = make(cm, storage)
    await manager.register(BASKET)
    [as_tool] = manager.skill_tools([await manager.get("basket_total")])
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
    assert [r.success for r in await manager._io(storage.runs, "basket_total")] == [
        False, False, True, True,
    ]  # fmt: skip


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
    await manager.register({
        "name": "double_basket", "description": "twice the total",
        "code": "return 2 * await skills.basket_total(items=input['items'])",
    })  # fmt: skip
    assert await manager.call("double_basket", {"items": ["apple"]}) == 3.0
    depths = [(e.data["name"], e.data["depth"]) for e in events if e.type.endswith("skill_call")]
    assert depths == [("double_basket", 0), ("basket_total", 1)]
    assert (await manager.get("basket_total")).stats.executions == 1  # nested runs count


async def test_cycles_are_stopped(cm: Any) -> None:
    manager = make(cm)
    await manager.register({"name": "ping", "description": "ping", "code": "return 1"})
    await manager.register({
        "name": "pong", "description": "pong", "code": "return await skills.ping()",
    })  # fmt: skip
    await manager.update("ping", {"code": "return await skills.pong()"})
    result = await manager.execute("return await skills.ping()")
    assert not result.success
    assert "cycle: ping -> pong -> ping" in result.error.message


async def test_depth_is_limited(cm: Any) -> None:
    manager = make(cm, max_depth=3)
    await manager.register({"name": "level1", "description": "leaf", "code": "return 1"})
    for n in range(2, 5):
        await manager.register({
            "name": f"level{n}", "description": "wraps the level below",
            "code": f"return 1 + await skills.level{n - 1}()",
        })  # fmt: skip
    assert await manager.call("level3") == 3
    with pytest.raises(ToolError, match="nest 3 deep: level4 -> level3 -> level2 -> level1"):
        await manager.call("level4")


async def test_a_skill_registered_during_a_run_is_callable_in_it(cm: Any) -> None:
    manager = make(cm)
    cm.add_tools(manager.management_tools())
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


# -- trust -------------------------------------------------------------------------------


async def test_promotion_emits_trust_changed(cm: Any, events: list[Event]) -> None:
    manager = make(cm, trust_strategy=RelaxedTrustStrategy())
    await manager.register(BASKET)
    for _ in range(3):
        await manager.call("basket_total", {"items": ["apple"]})
    assert (await manager.get("basket_total")).trust is TrustLevel.PROVISIONAL
    changes = [e.data for e in events if e.type == "skill:trust_changed"]
    assert changes == [{"tenant": "acme", "name": "basket_total", "old": "untrusted",
                        "new": "provisional", "reason": "promoted"}]  # fmt: skip


async def test_demotion_through_the_manager(cm: Any, events: list[Event]) -> None:
    strategy = CustomTrustStrategy(provisional=(1, 0.5), trusted=(2, 0.5), min_recent=4)
    manager = make(cm, trust_strategy=strategy)
    await manager.register(BASKET)
    for _ in range(2):
        await manager.call("basket_total", {"items": ["apple"]})
    assert (await manager.get("basket_total")).trust is TrustLevel.TRUSTED
    for _ in range(3):
        with pytest.raises(ToolError):
            await manager.call("basket_total", {"items": ["durian"]})
    assert (await manager.get("basket_total")).trust is TrustLevel.UNTRUSTED  # 2/5 < 50 %
    reasons = [e.data["reason"] for e in events if e.type == "skill:trust_changed"]
    assert reasons[-1] == "demoted"


async def test_unattended_runs_need_trust(cm: Any) -> None:
    manager = make(cm, trust_strategy=RelaxedTrustStrategy())
    await manager.register(BASKET)
    robot = CallContext(unattended=True, caller="nightly-job")
    with pytest.raises(SkillNotAllowed, match="unattended"):
        await manager.call("basket_total", {"items": ["apple"]}, context=robot)
    result = await manager.execute("return await skills.basket_total(items=[])", context=robot)
    assert result.error is not None and "unattended" in result.error.message
    assert (await manager.get("basket_total")).stats.executions == 0  # refused, not run
    brave = CallContext(unattended=True, allow_untrusted=True)
    assert await manager.call("basket_total", {"items": ["apple"]}, context=brave) == 1.5
    for _ in range(2):  # attended runs earn provisional (relaxed: 3 runs)
        await manager.call("basket_total", {"items": ["apple"]})
    assert await manager.call("basket_total", {"items": ["pear"]}, context=robot) == 2.0
    runs = await manager._io(manager.storage.runs, "basket_total", 1)
    assert runs[0].caller == "nightly-job"


async def test_promotion_to_trusted_waits_for_review(cm: Any, events: list[Event]) -> None:
    strategy = CustomTrustStrategy(provisional=(1, 0.5), trusted=(3, 0.5))
    manager = make(cm, trust_strategy=strategy, policy=TrustPolicy(require_review=True))
    await manager.register(BASKET)
    for _ in range(4):
        await manager.call("basket_total", {"items": ["apple"]})
    held = await manager.get("basket_total")
    assert held.trust is TrustLevel.PROVISIONAL and held.status is SkillStatus.PENDING_REVIEW
    assert [s.name for s in await manager.pending_reviews()] == ["basket_total"]
    assert types(events).count("skill:review_requested") == 1
    approved = await manager.approve("basket_total", reviewer="root")
    assert approved.trust is TrustLevel.TRUSTED and approved.status is SkillStatus.ACTIVE
    with pytest.raises(SkillConflict):
        await manager.approve("basket_total", reviewer="root")  # nothing is pending
    await manager.reject("basket_total", reviewer="root", reason="leaks prices")
    with pytest.raises(SkillNotAllowed, match="rejected"):
        await manager.call("basket_total", {"items": ["apple"]})


async def test_update_and_rollback_restart_trust(cm: Any, events: list[Event]) -> None:
    manager = make(cm, trust_strategy=RelaxedTrustStrategy())
    await manager.register(BASKET)
    for _ in range(3):
        await manager.call("basket_total", {"items": ["apple"]})
    v2 = await manager.update("basket_total", {"code": "return 0"}, note="stub")
    assert v2.version == 2 and v2.trust is TrustLevel.UNTRUSTED and v2.stats.executions == 0
    assert await manager.call("basket_total", {"items": ["apple"]}) == 0
    with pytest.raises(SkillValidationError):  # a bad edit stores nothing
        await manager.update("basket_total", {"code": "return ("})
    v3 = await manager.rollback("basket_total", 1)
    assert v3.version == 3 and v3.code == BASKET["code"]
    assert await manager.call("basket_total", {"items": ["apple"]}) == 1.5
    assert [v.version for v in await manager.versions("basket_total")] == [1, 2, 3]
    assert "skill:updated" in types(events)


# -- model-facing tools -----------------------------------------------------------------------


async def test_management_tools(cm: Any) -> None:
    manager = make(cm)
    tools = {t.name: t for t in manager.management_tools()}
    assert set(tools) == {"register_skill", "search_skills", "get_skill", "update_skill"}
    saved = await tools["register_skill"].invoke({**BASKET, "test_input": {"items": ["pear"]}})
    assert saved["name"] == "basket_total" and saved["call_as"].startswith("await skills.")
    with pytest.raises(ToolValidationError, match="does not compile"):
        await tools["register_skill"].invoke({**BASKET, "name": "other", "code": "return ("})
    with pytest.raises(ToolError, match="already exists"):
        await tools["register_skill"].invoke(BASKET)
    await tools["register_skill"].invoke({
        "name": "weather_report", "description": "Weather for a city", "code": "return 'sunny'",
    })  # fmt: skip
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
    from codemode_skills.skills.tools import skills_prompt

    manager = make(cm)
    skill = await manager.register(BASKET)
    text = skills_prompt([skill])
    assert "await skills.<name>" in text
    assert "async def basket_total(" in text and "items: list[str]" in text
