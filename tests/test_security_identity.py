"""Identity is per call (F07 of the second security review).

Every call a program makes runs with the identity of the execution that made it: never
the identity of whichever request started the driver, relaunched its template or
registered the socket callback the call arrived on. Each test starts its own driver
*inside* a privileged request, which is how the leak happened.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from codemode_skills import ExecutionContext, create_code_mode, tool, use_context
from codemode_skills.sandbox import InProcessDriver, SubprocessDriver
from codemode_skills.security import MemoryAuditLog, current_context
from codemode_skills.skills import SkillManager, SkillToolset
from codemode_skills.storage import MemorySkillStorage

ADMIN = ExecutionContext(tenant="acme", user="admin", scopes=frozenset({"payments"}))
CAROL = ExecutionContext(tenant="globex", user="carol", scopes=frozenset({"read"}))
DAVE = ExecutionContext(tenant="acme", user="dave")
EVE = ExecutionContext(tenant="acme", user="eve")

PAID: list[int] = []


@tool
async def whoami() -> dict[str, Any]:
    """Who the host thinks is calling (an async tool: runs as its own task)."""
    ctx = current_context()
    if ctx is None:
        return {"tenant": None, "user": None, "scopes": []}
    return {"tenant": ctx.tenant, "user": ctx.user, "scopes": sorted(ctx.scopes)}


@tool
def whoami_sync() -> dict[str, Any]:
    """The same, as a plain sync tool (answered inline from the socket callback)."""
    ctx = current_context()
    return {"tenant": ctx.tenant if ctx else None, "user": ctx.user if ctx else None}


@tool(scopes={"payments"})
def pay(amount: int) -> int:
    """Pay money: needs the payments scope."""
    PAID.append(amount)
    return amount


WHO = (
    "import asyncio\n"
    "await asyncio.sleep(0.05)\n"  # the reply then arrives on the socket callback
    "a = await tools.whoami()\n"
    "b = await tools.whoami_sync()\n"
    "return [a, b]"
)


def _expect(ctx: ExecutionContext | None) -> list[dict[str, Any]]:
    if ctx is None:
        return [{"tenant": None, "user": None, "scopes": []}, {"tenant": None, "user": None}]
    return [
        {"tenant": ctx.tenant, "user": ctx.user, "scopes": sorted(ctx.scopes)},
        {"tenant": ctx.tenant, "user": ctx.user},
    ]


@pytest.fixture(params=["subprocess", "inprocess"])
async def fresh_driver(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    driver = SubprocessDriver() if request.param == "subprocess" else InProcessDriver()
    yield driver
    await driver.close()


async def test_calls_never_run_as_the_request_that_started_the_driver(fresh_driver: Any) -> None:
    audit = MemoryAuditLog()
    cm = create_code_mode([whoami, whoami_sync, pay], driver=fresh_driver, audit=audit)
    with use_context(ADMIN):  # the process's first request starts the driver
        first = await cm.execute(WHO)
    assert first.success, first.error
    assert first.result == _expect(ADMIN)

    # later requests, concurrently, each with its own identity (explicit and ambient)
    async def as_ambient(ctx: ExecutionContext) -> Any:
        with use_context(ctx):
            return await cm.execute(WHO)

    results = await asyncio.gather(
        cm.execute(WHO, context=CAROL),
        as_ambient(DAVE),
        cm.execute(WHO),  # no identity at all: the tool must not see admin
        cm.execute(WHO, context=CAROL),
        as_ambient(DAVE),
    )
    expected = [CAROL, DAVE, None, CAROL, DAVE]
    for result, ctx in zip(results, expected, strict=True):
        assert result.success, result.error
        assert result.result == _expect(ctx)

    users = [(r.tenant, r.user) for r in audit.read(action="tool_call", limit=100)]
    assert users.count(("acme", "admin")) == 2  # only the first request's two calls
    assert users.count(("globex", "carol")) == 4
    assert users.count(("acme", "dave")) == 4
    await cm.close()


async def test_an_explicit_identity_beats_the_ambient_one(fresh_driver: Any) -> None:
    cm = create_code_mode([whoami, whoami_sync], driver=fresh_driver)
    with use_context(ADMIN):
        result = await cm.execute(WHO, context=CAROL)
    assert result.result == _expect(CAROL)
    await cm.close()


async def test_a_registration_test_run_acts_for_the_registering_user(fresh_driver: Any) -> None:
    """eve (no scopes) registers a skill whose test run pays: it must be refused as eve,
    not run as admin, who happened to start the driver."""
    PAID.clear()
    audit = MemoryAuditLog()
    cm = create_code_mode([whoami, pay], driver=fresh_driver, audit=audit)
    with use_context(ADMIN):
        assert (await cm.execute("return await tools.pay(amount=1)")).result == 1
    manager = SkillManager(MemorySkillStorage(tenant="acme"), code_mode=cm, identity=EVE)
    cm.add_tools(SkillToolset(manager).management_tools)
    program = (
        "import asyncio\n"
        "await asyncio.sleep(0.05)\n"
        "try:\n"
        "    return await tools.register_skill(name='payout', description='pays',\n"
        "        code='return await tools.pay(amount=1000)',\n"
        "        input_schema={'type': 'object'}, output_schema={}, test_input={})\n"
        "except ToolError as exc:\n"
        "    return 'refused: ' + str(exc)\n"
    )
    result = await cm.execute(program, context=EVE)
    assert result.success, result.error
    assert str(result.result).startswith("refused"), result.result
    assert "payments" in result.result
    assert PAID == [1]  # only admin's own payment
    pays = [
        (r.outcome, r.user) for r in audit.read(action="tool_call", limit=100) if r.target == "pay"
    ]
    assert ("refused", "eve") in pays
    assert pays.count(("ok", "admin")) == 1
    await cm.close()


async def test_a_template_relaunched_by_a_privileged_request_leaks_nothing() -> None:
    """H7: the template dies; the next request (admin's) relaunches it; later calls of
    other requests still act for their own executions."""
    driver = SubprocessDriver()
    cm = create_code_mode([whoami, whoami_sync], driver=driver)
    try:
        assert (await cm.execute(WHO, context=CAROL)).result == _expect(CAROL)
        pool = driver._pool
        assert pool._proc is not None
        pool._proc.kill()
        deadline = asyncio.get_running_loop().time() + 60
        # polling the pool's state: it has no event to wait on for "the template died"
        while pool.running and asyncio.get_running_loop().time() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        with use_context(ADMIN):
            relaunched = await cm.execute(WHO)
        assert relaunched.result == _expect(ADMIN)
        later = await asyncio.gather(cm.execute(WHO, context=CAROL), cm.execute(WHO))
        assert [r.result for r in later] == [_expect(CAROL), _expect(None)]
    finally:
        await cm.close()
