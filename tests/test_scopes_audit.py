"""Scopes on tools and the skills that call them, the audit log, and rate limits on
executions — through real drivers."""

from __future__ import annotations

import json
import os
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest

from codemode_skills import Agent, ExecutionContext, create_code_mode, tool, use_context
from codemode_skills.errors import ScopeDenied
from codemode_skills.models import ScriptedModel
from codemode_skills.models.base import ModelResponse, ToolCall
from codemode_skills.security import (
    JsonLinesAuditLog,
    MemoryAuditLog,
    RateLimit,
    RateLimiter,
    Redaction,
    RedisBucketStore,
)
from codemode_skills.security.audit import AuditRecord
from codemode_skills.skills import SkillManager
from codemode_skills.storage import MemorySkillStorage, SQLAuditLog


@tool(scopes={"payments"}, audit=Redaction(redact=frozenset({"card"})))
def charge(card: str, amount: int, api_key: str = "") -> dict[str, int]:
    """Charge a card."""
    return {"charged": amount}


@tool(audit="keys")
def lookup(query: str) -> str:
    """Look something up."""
    return query.upper()


def who(*scopes: str, tenant: str = "acme") -> ExecutionContext:
    return ExecutionContext(tenant=tenant, user="alice", scopes=frozenset(scopes))


PAY = (
    "try:\n    return await tools.charge(card='4111', amount=3, api_key='sk-1')\n"
    "except PermissionDenied as exc:\n    return 'denied: ' + str(exc)"
)


async def test_tool_scopes_are_enforced_and_audited(driver: Any) -> None:
    audit = MemoryAuditLog()
    cm = create_code_mode([charge, lookup], driver=driver, audit=audit)
    granted = await cm.execute(PAY, context=who("payments"))
    assert granted.result == {"charged": 3}
    refused = await cm.execute(PAY, context=who("read"))
    assert refused.result == "denied: charge() needs scope(s) payments"
    anonymous = await cm.execute(PAY)  # no context: no scopes at all
    assert anonymous.result.startswith("denied")
    uncaught = await cm.execute("return await tools.charge(card='1', amount=1)", context=who())
    assert uncaught.error is not None and uncaught.error.type == "PermissionDenied"
    await cm.execute("return await tools.lookup(query='secret plans')", context=who())

    records = audit.read(action="tool_call", limit=10)[::-1]
    assert [r.outcome for r in records] == ["ok", "refused", "refused", "refused", "ok"]
    ok = records[0]
    assert (ok.tenant, ok.user, ok.target) == ("acme", "alice", "charge")
    assert ok.request_id and ok.duration_ms is not None
    # the per-tool policy hid the card, the default policy hid the api key
    assert ok.detail["args"] == {"card": "[redacted]", "amount": 3, "api_key": "[redacted]"}
    assert "PermissionDenied" in records[1].detail["error"]
    assert records[4].detail["args"] == ["query"]  # "keys": names only, no values
    assert "secret plans" not in json.dumps([r.model_dump(mode="json") for r in records])
    cm.events.close()


@tool(scopes={"payments"})
def refund(amount: int) -> int:
    """Refund an amount."""
    return -amount


SPEND = {
    "name": "pay_and_refund",
    "description": "Charge then refund",
    "code": "c = await tools.charge(card='1', amount=input['n'])\n"
    "return c['charged'] + await tools.refund(amount=input['n'])",
    "input_schema": {"type": "object", "properties": {"n": {"type": "integer"}}},
    "output_schema": {"type": "integer"},
}
WRAPPER = {
    "name": "wrapper",
    "description": "Calls the payment skill",
    "code": "return await skills.pay_and_refund(n=input['n'])",
    "input_schema": {"type": "object", "properties": {"n": {"type": "integer"}}},
}
SNEAKY = {
    "name": "sneaky",
    "description": "Reaches the tool by a computed name",
    "code": "fn = getattr(tools, 'char' + 'ge')\nreturn await fn(card='1', amount=9)",
    "input_schema": {"type": "object", "properties": {}},
}


async def test_skills_inherit_the_scopes_of_the_tools_they_call(driver: Any) -> None:
    audit = MemoryAuditLog()
    cm = create_code_mode([charge, refund], driver=driver, audit=audit)
    manager = SkillManager(MemorySkillStorage(tenant="acme"), cm)
    with use_context(who("payments")):
        for spec in (SPEND, WRAPPER, SNEAKY):
            await manager.register(spec)
    assert await manager.required_scopes("pay_and_refund") == {"payments"}
    assert await manager.required_scopes("wrapper") == {"payments"}  # through depends_on
    assert await manager.required_scopes("sneaky") == frozenset()  # static reading can't see

    with use_context(who("read")):
        for name in ("pay_and_refund", "wrapper"):
            with pytest.raises(ScopeDenied, match="payments"):
                await manager.call(name, {"n": 2})
            assert (await manager.get(name)).stats.executions == 0  # refused before running
        # the computed name is still caught at run time, by the bridge
        result = await manager.execute("return await skills.sneaky()")
        assert result.error is not None and "payments" in result.error.message
    refusals = [r for r in audit.read(limit=50) if r.outcome == "refused"]
    assert {r.target for r in refusals} >= {"pay_and_refund", "wrapper", "charge"}

    with use_context(who("payments")):
        assert await manager.call("wrapper", {"n": 2}) == 0
        assert await manager.call("sneaky", {}) == {"charged": 9}
    cm.events.close()


async def test_agent_refuses_direct_calls_to_scoped_tools() -> None:
    model = ScriptedModel(
        [
            ModelResponse(tool_calls=[ToolCall(id="1", name="refund", arguments={"amount": 4})]),
            ModelResponse(text="done"),
        ]
    )
    result = await Agent(model, [refund], context=who("read")).run("refund 4")
    assert json.loads(result.messages[2].content)["error"]["type"] == "ScopeDenied"
    model = ScriptedModel(
        [
            ModelResponse(tool_calls=[ToolCall(id="1", name="refund", arguments={"amount": 4})]),
            ModelResponse(text="done"),
        ]
    )
    result = await Agent(model, [refund], context=who("payments")).run("refund 4")
    assert json.loads(result.messages[2].content) == -4


async def test_rate_limits_refuse_executions_and_are_audited(inprocess_driver: Any) -> None:
    audit = MemoryAuditLog()
    limiter = RateLimiter(per_user=RateLimit(rate=0.001, burst=2))
    cm = create_code_mode([], driver=inprocess_driver, rate_limiter=limiter, audit=audit)
    results = [await cm.execute("return 1", context=who()) for _ in range(3)]
    assert [r.success for r in results] == [True, True, False]
    assert results[2].error is not None and results[2].error.type == "RateLimited"
    assert "retry in" in results[2].error.message
    other = await cm.execute("return 1", context=who().model_copy(update={"user": "bob"}))
    assert other.success  # another user's budget
    [refusal] = audit.read(action="execution")
    assert refusal.outcome == "refused" and refusal.user == "alice"
    cm.events.close()


async def test_rate_limit_shared_by_two_app_instances_through_redis(
    inprocess_driver: Any,
) -> None:
    prefix = f"cms:test:{uuid.uuid4().hex}:"
    stores = [RedisBucketStore("redis://127.0.0.1:6379/0", prefix=prefix) for _ in range(2)]
    apps = [
        create_code_mode(
            [],
            driver=inprocess_driver,
            rate_limiter=RateLimiter(s, per_tenant=RateLimit(rate=0.001, burst=3)),
        )
        for s in stores
    ]
    try:
        outcomes = [
            (await apps[i % 2].execute("return 1", context=who())).success for i in range(6)
        ]
        assert outcomes == [True, True, True, False, False, False]
    finally:
        client = stores[0].client
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)
        for app in apps:
            app.events.close()


def test_jsonl_audit_lines_never_interleave(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    logs = [JsonLinesAuditLog(path) for _ in range(4)]
    big = "x" * 3000

    def write(log: JsonLinesAuditLog, n: int) -> None:
        for i in range(200):
            log.write(AuditRecord(action="tool_call", target=f"t{n}", detail={"i": i, "b": big}))

    threads = [threading.Thread(target=write, args=(log, n)) for n, log in enumerate(logs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = path.read_text().splitlines()
    assert len(lines) == 800 and all(json.loads(line)["detail"]["b"] == big for line in lines)
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    assert len(logs[0].read(target="t2", limit=1000)) == 200


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_sql_audit_log(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'a.db'}"
    else:  # only this variant needs the server
        url = request.getfixturevalue("postgres_url")
    log = SQLAuditLog(url)
    tenant = f"t{uuid.uuid4().hex[:8]}"
    for i in range(3):
        log.write(AuditRecord(action="review", tenant=tenant, target="s", detail={"i": i}))
    log.write(AuditRecord(action="tool_call", tenant=tenant, outcome="refused"))
    reviews = log.read(tenant=tenant, action="review")
    assert [r.detail["i"] for r in reviews] == [2, 1, 0]  # newest first
    assert reviews[0].at.tzinfo is not None
    assert log.read(tenant=tenant, action="tool_call")[0].outcome == "refused"
