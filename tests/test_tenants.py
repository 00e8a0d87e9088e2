"""Cross-tenant attacks, on every storage backend: tenant A tries to read, search,
update, execute and review tenant B's skills — through its own store, and by presenting
its identity to B's manager. All refused, and B's skill is untouched afterwards."""

from __future__ import annotations

from typing import Any

import pytest

from codemode_skills import ExecutionContext, create_code_mode, use_context
from codemode_skills.errors import InvalidSkillName, SkillNotFound, TenantMismatch
from codemode_skills.security import MemoryAuditLog
from codemode_skills.skills import SkillManager, SkillStatus
from codemode_skills.trust import TrustLevel

SECRET = {
    "name": "payroll",
    "description": "Salaries of every employee of tenant B",
    "code": "return {'ceo': 900000, 'note': 'b-secret-marker'}",
    "input_schema": {"type": "object", "properties": {}},
    "tags": ["hr"],
}


@pytest.fixture
async def two_tenants(storage: Any, inprocess_driver: Any) -> Any:
    audit = MemoryAuditLog()
    cm = create_code_mode([], driver=inprocess_driver, audit=audit)
    b_store = storage.for_tenant(storage.tenant + "-b")
    a = SkillManager(storage, cm)
    b = SkillManager(b_store, cm)
    await b.register(SECRET, author="bob")
    b_store.set_state("payroll", status=SkillStatus.PENDING_REVIEW, trust=TrustLevel.PROVISIONAL)
    yield a, b, audit
    cm.events.close()


async def _intact(b: SkillManager) -> None:
    skill = await b.get("payroll")
    assert skill.version == 1 and skill.code == SECRET["code"]
    assert skill.stats.executions == 0
    assert skill.status is SkillStatus.PENDING_REVIEW and skill.trust is TrustLevel.PROVISIONAL


async def test_a_store_bound_to_tenant_a_never_reaches_b(two_tenants: Any) -> None:
    a, b, _ = two_tenants
    for attempt in (
        a.get("payroll"),
        a.versions("payroll"),
        a.get_version("payroll", 1),
        a.update("payroll", {"code": "return 'pwned'"}),
        a.rollback("payroll", 1),
        a.call("payroll", {}),
        a.approve("payroll", reviewer="mallory"),
        a.reject("payroll", reviewer="mallory", reason="x"),
        a.demote("payroll", reviewer="mallory"),
    ):
        with pytest.raises(SkillNotFound):
            await attempt
    assert await a.search("salaries payroll employee") == []
    assert await a.list() == [] and await a.pending_reviews() == []
    assert await a.delete("payroll") is False
    run = await a.execute("return await skills.payroll()")
    assert not run.success and "b-secret-marker" not in str(run.model_dump())
    for sneaky in ("../payroll", f"../{b.tenant}/payroll", "payroll/../../x", "PAYROLL"):
        with pytest.raises(InvalidSkillName):
            await a.get(sneaky)
    # the same name in A is A's own skill: B's stays as it was
    await a.register({**SECRET, "code": "return {'note': 'a'}"})
    assert (await a.call("payroll", {}))["note"] == "a"
    await _intact(b)


async def test_tenant_a_identity_is_refused_by_b_manager(two_tenants: Any) -> None:
    a, b, audit = two_tenants
    mallory = ExecutionContext(tenant=a.tenant, user="mallory", scopes={"admin"})
    with use_context(mallory):
        for attempt in (
            b.get("payroll"),
            b.list(),
            b.search("payroll"),
            b.versions("payroll"),
            b.update("payroll", {"code": "return 'pwned'"}),
            b.call("payroll", {}),
            b.execute("return await skills.payroll()"),
            b.pending_reviews(),
            b.approve("payroll", reviewer="mallory"),
            b.demote("payroll", reviewer="m"),
            b.reject("payroll", reviewer="mallory", reason="x"),
            b.delete("payroll"),
        ):
            with pytest.raises(TenantMismatch):
                await attempt
    refused = [r for r in audit.read(limit=100) if r.outcome == "refused"]
    assert len(refused) >= 12 and {r.user for r in refused} == {"mallory"}
    assert all(r.tenant == a.tenant for r in refused)
    with pytest.raises(TenantMismatch):  # nor can a manager be built for another tenant
        SkillManager(b.storage, b.code_mode, identity=mallory)
    await _intact(b)


async def test_b_identity_works_on_b(two_tenants: Any) -> None:
    _, b, audit = two_tenants
    bob = ExecutionContext(tenant=b.tenant, user="bob")
    with use_context(bob):
        assert (await b.call("payroll", {}))["ceo"] == 900000
        approved = await b.approve("payroll", reviewer="admin")
    assert approved.trust is TrustLevel.TRUSTED
    [review] = audit.read(action="review")
    assert review.user == "admin" and review.tenant == b.tenant
    assert review.detail["decision"] == "approved" and review.request_id == bob.request_id


@pytest.mark.parametrize("tenant", ["../b", "a/b", "", ".", "..", "a b", "x" * 200, "a;DROP"])
def test_tenant_names_that_could_escape_are_refused(storage: Any, tenant: str) -> None:
    with pytest.raises(InvalidSkillName):
        storage.for_tenant(tenant)
    with pytest.raises(ValueError):
        ExecutionContext(tenant=tenant)
