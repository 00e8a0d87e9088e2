"""Trust is earned by independent evidence (issue 14 item 7: F08, F24).

Each attack is run as the findings describe it, then the test asserts that it earned
nothing: one program that registers a skill and calls it 100 times, an agent turn that
does the same through its own tools. The positive cases show that real, independent use
still promotes; the unattended gate with review follows. Where the counting lives in
storage, the tests run on every backend. Edits, dependencies and stored schemas are in
``test_security_trust_edits.py``.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from codemode_skills import Agent, code_mode_with_skills, use_context
from codemode_skills.errors import SkillNotAllowed
from codemode_skills.models import ModelResponse, ScriptedModel, ToolCall
from codemode_skills.records import Evidence, SkillSpec
from codemode_skills.selection import SkillSelector
from codemode_skills.skills import Caller, SkillStatus
from codemode_skills.storage import MemorySkillStorage
from codemode_skills.trust import AlwaysTrustedStrategy, CustomTrustStrategy, TrustPolicy
from tests.trust_cases import (
    ATTACK,
    CRON,
    QUICK,
    REVIEW,
    WARM_ONCE,
    WEEKLY,
    Outbox,
    P,
    T,
    U,
    cm,
    local_cm,
    manager_for,
    outbox,
    refused_unattended,
    request,
)

__all__ = ["cm", "local_cm", "outbox"]  # fixtures, used by name


# -- F08 / F24: one program, one conversation -----------------------------------------------


@pytest.mark.parametrize("policy", [TrustPolicy(), REVIEW], ids=["default", "review"])
@pytest.mark.parametrize("who", [None, "eve"], ids=["anonymous", "eve"])
async def test_f08_one_program_cannot_earn_trust_for_its_own_skill(
    cm: Any, outbox: Outbox, policy: TrustPolicy, who: str | None
) -> None:
    manager = manager_for(cm, policy=policy)
    context = request(manager, who) if who else None
    result = await manager.execute(ATTACK, context=context)
    assert result.success, result.error
    skill = await manager.get("weekly_report")
    assert skill.stats.executions == 100  # every call is recorded, for stats ...
    assert skill.stats.evidence.runs == 0  # ... none is evidence: it is the registering run
    assert (skill.trust, skill.status) == (U, SkillStatus.ACTIVE)
    assert await refused_unattended(manager, "weekly_report")
    assert outbox.sent == []


async def test_f08_the_registering_request_and_the_author_earn_nothing(
    local_cm: Any, outbox: Outbox
) -> None:
    manager = manager_for(local_cm)
    eve = request(manager, "eve")
    assert (await manager.execute(ATTACK, context=eve)).success
    for _ in range(12):  # more programs of the same request (conversation)
        assert (await manager.execute(WARM_ONCE, context=eve)).success
    for _ in range(12):  # eve's own later requests: the author vouching for herself
        await manager.call("weekly_report", {"warm": True}, context=request(manager, "eve"))
    anonymous_session = Caller(conversation="one-chat")
    for _ in range(12):
        await manager.call("weekly_report", {"warm": True}, context=anonymous_session)
    skill = await manager.get("weekly_report")
    evidence = skill.stats.evidence
    assert skill.stats.executions == 136 and evidence.runs == 12  # the anonymous chat's runs
    assert len(evidence.requests) == 1  # ... all from one request: not enough for a level
    assert skill.trust is U and await refused_unattended(manager, "weekly_report")
    # even with author runs allowed, eve never counts as a second user
    manager.strategy = CustomTrustStrategy(count_author=True)
    for _ in range(5):
        await manager.call("weekly_report", {"warm": True}, context=request(manager, "eve"))
    evidence = (await manager.get("weekly_report")).stats.evidence
    assert evidence.runs == 17 and evidence.users == []
    assert outbox.sent == []


async def test_f24_an_agent_turn_cannot_earn_trust_through_its_own_tools(
    inprocess_driver: Any, outbox: Outbox
) -> None:
    storage = MemorySkillStorage("acme")
    session = await code_mode_with_skills(
        [outbox.tool], messages="weekly", storage=storage, driver=inprocess_driver, embedder=None
    )

    def call(tool_name: str, **arguments: Any) -> ModelResponse:
        calls = [ToolCall(id=f"c_{tool_name}", name=tool_name, arguments=arguments)]
        return ModelResponse(tool_calls=calls)

    warm_100 = "for _ in range(100):\n    await skills.weekly_report(warm=True)\nreturn 1"
    script = [
        call("register_skill", **WEEKLY, test_input={"warm": True}),
        call("execute_python", code=warm_100),
        *[call("execute_python", code=WARM_ONCE)] * 12,
        ModelResponse(text="done"),
    ]
    prompt = session.system_prompt
    agent = Agent(ScriptedModel(script), session.registry, system_prompt=prompt, max_iterations=20)
    assert (await agent.run("the weekly report")).text == "done"
    skill = storage.get("weekly_report")
    assert skill.stats.executions == 112 and skill.stats.evidence.runs == 0
    assert skill.trust is U and await refused_unattended(session.manager, "weekly_report")
    assert outbox.sent == []
    await session.close()


# -- what does count: distinct executions by distinct users, on every backend ----------------


async def test_distinct_executions_by_distinct_users_promote(
    storage: Any, local_cm: Any, outbox: Outbox
) -> None:
    manager = manager_for(local_cm, storage, policy=REVIEW)  # the default strategy
    with use_context(request(manager, "alice").identity):
        await manager.register(WEEKLY, author="alice")
    twice = "await skills.weekly_report(warm=True)\nreturn await skills.weekly_report(warm=True)"
    for i in range(100):
        ctx = request(manager, ["bob", "carol"][i % 2])
        if i % 2:
            assert (await manager.execute(twice, context=ctx)).success
        else:
            await manager.call("weekly_report", {"warm": True}, context=ctx)
        if i == 9:  # 10 runs from 10 requests
            assert (await manager.get("weekly_report")).trust is P
    skill = await manager.get("weekly_report")
    evidence = skill.stats.evidence
    assert (evidence.runs, evidence.successes, len(evidence.users)) == (100, 100, 2)
    assert skill.stats.executions == 150
    assert (skill.trust, skill.status) == (P, SkillStatus.PENDING_REVIEW)  # the last step waits
    assert await refused_unattended(manager, "weekly_report")  # provisional is not approved
    await manager.approve("weekly_report", reviewer="root")
    assert await manager.call("weekly_report", {"warm": True}, context=CRON) == "ok"
    assert outbox.sent == []


async def test_one_execution_is_one_run_and_any_failure_fails_it(
    storage: Any, local_cm: Any
) -> None:
    manager = manager_for(local_cm, storage)
    await manager.register(
        {
            "name": "flaky",
            "description": "fails on demand",
            "code": "if input['fail']:\n    raise ValueError('no')\nreturn 1",
        }
    )
    await manager.register(
        {
            "name": "outer",
            "description": "flaky, three times",
            "code": "return sum([await skills.flaky(fail=False) for _ in 'abc'])",
        }
    )
    program = (
        "await skills.flaky(fail=False)\n"
        "try:\n"
        "    await skills.flaky(fail=True)\n"
        "except ToolError:\n"
        "    pass\n"
        "for _ in range(5):\n"
        "    await skills.flaky(fail=False)\n"
        "return [await skills.outer(), await skills.outer()]"
    )
    assert (await manager.execute(program, context=request(manager, "bob"))).success
    flaky, outer = await manager.get("flaky"), await manager.get("outer")
    assert (flaky.stats.executions, flaky.stats.failures) == (13, 1)
    evidence = flaky.stats.evidence
    assert (evidence.runs, evidence.successes, evidence.failures) == (1, 0, 1)
    assert (outer.stats.executions, outer.stats.evidence.runs) == (2, 1)


def test_evidence_is_counted_atomically(storage: Any) -> None:
    storage.create(SkillSpec(name="counter", description="counts", code="return 1"))

    def worker(n: int) -> None:
        for i in range(25):
            run = Evidence(version=1, success=True, request=f"w{n}-{i}", day="2030-01-01")
            storage.record_evidence("counter", run)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    evidence = storage.get("counter").stats.evidence
    assert (evidence.runs, evidence.successes, len(evidence.recent)) == (200, 200, 20)


# -- the unattended gate with review ----------------------------------------------------------


async def test_with_review_unattended_callers_need_an_approved_skill(local_cm: Any) -> None:
    manager = manager_for(local_cm, trust_strategy=QUICK, policy=REVIEW)
    await manager.register({**WEEKLY, "code": "return 'ok'"})
    for user in ("bob", "carol", "dave"):
        await manager.call("weekly_report", {}, context=request(manager, user))
    held = await manager.get("weekly_report")
    assert (held.trust, held.status) == (P, SkillStatus.PENDING_REVIEW)
    assert await refused_unattended(manager, "weekly_report")
    with pytest.raises(SkillNotAllowed, match="approved by a reviewer"):
        await manager.call("weekly_report", {}, context=CRON)
    selector = SkillSelector(manager.storage, embedder=object(), policy=REVIEW)
    assert selector.allowed(CRON) == ({SkillStatus.ACTIVE}, {T})  # selection: the same rule
    await manager.approve("weekly_report", reviewer="root")
    assert await manager.call("weekly_report", {}, context=CRON) == "ok"
    manager.storage.set_state("weekly_report", status=SkillStatus.PENDING_REVIEW)
    assert await refused_unattended(manager, "weekly_report")  # trusted but not active
    # without review, provisional is enough for unattended runs (documented default)
    relaxed = manager_for(local_cm, MemorySkillStorage("acme"), trust_strategy=QUICK)
    await relaxed.register({**WEEKLY, "code": "return 'ok'"})
    await relaxed.call("weekly_report", {}, context=request(relaxed, "bob"))
    assert (await relaxed.get("weekly_report")).trust is P
    assert await relaxed.call("weekly_report", {}, context=CRON) == "ok"


async def test_with_review_always_trusted_still_waits_for_a_reviewer(local_cm: Any) -> None:
    manager = manager_for(local_cm, trust_strategy=AlwaysTrustedStrategy(), policy=REVIEW)
    assert (await manager.register({**WEEKLY, "code": "return 'ok'"})).trust is P
    held = await manager.get("weekly_report")  # queued at once: trusted means approved
    assert (held.trust, held.status) == (P, SkillStatus.PENDING_REVIEW)
    unreviewed = manager_for(local_cm, trust_strategy=AlwaysTrustedStrategy())
    assert (await unreviewed.register({**WEEKLY, "code": "return 1"})).trust is T
