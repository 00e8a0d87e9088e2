"""Multi-tenant controls: who a request acts for, scoped tools, rate limits, the audit log.

Runs offline in the real sandbox: ``python examples/tenant_security.py``. It prints what
each control did and the audit records it left (the card number never appears in them).
"""

from __future__ import annotations

import asyncio
import json

from codemode_skills import ExecutionContext, create_code_mode, tool, use_context
from codemode_skills.errors import ScopeDenied, TenantMismatch
from codemode_skills.security import MemoryAuditLog, RateLimit, RateLimiter, Redaction
from codemode_skills.skills import SkillManager
from codemode_skills.storage import MemorySkillStorage


@tool(scopes={"payments"}, audit=Redaction(redact=frozenset({"card"})))
def charge(card: str, amount: int) -> dict[str, int]:
    """Charge a card (needs the ``payments`` scope)."""
    return {"charged": amount}


@tool
def order_total(order_id: str) -> int:
    """Total of an order, in cents."""
    return 1250 if order_id == "A-1" else 990


CHECKOUT = {
    "name": "checkout",
    "description": "Charge the total of an order",
    "code": (
        "total = await tools.order_total(order_id=input['order_id'])\n"
        "return await tools.charge(card=input['card'], amount=total)"
    ),
    "input_schema": {
        "type": "object",
        "properties": {"order_id": {"type": "string"}, "card": {"type": "string"}},
        "required": ["order_id", "card"],
    },
}


async def main() -> None:
    audit = MemoryAuditLog()
    limiter = RateLimiter(per_user=RateLimit(rate=1 / 60, burst=3))  # 3 at once, 1/min
    async with create_code_mode([charge, order_total], audit=audit, rate_limiter=limiter) as cm:
        store = MemorySkillStorage(tenant="acme")
        manager = SkillManager(store, cm)
        cashier = ExecutionContext(tenant="acme", user="carol", scopes={"payments"})
        viewer = ExecutionContext(tenant="acme", user="vic", scopes={"orders:read"})
        intruder = ExecutionContext(tenant="globex", user="mallory", scopes={"payments"})

        with use_context(cashier):
            await manager.register(CHECKOUT, author="carol")
            print("skill needs:", sorted(await manager.required_scopes("checkout")))
            paid = await manager.call("checkout", {"order_id": "A-1", "card": "4111111111111111"})
            print("cashier:", paid)

        with use_context(viewer):
            try:
                await manager.call("checkout", {"order_id": "A-1", "card": "4111"})
            except ScopeDenied as exc:
                print("viewer refused:", exc)
            program = "return await tools.order_total(order_id='B-2')"
            results = [await cm.execute(program) for _ in range(4)]
            print("viewer runs:", [r.result if r.success else r.error.type for r in results])

        with use_context(intruder):
            try:
                await manager.get("checkout")
            except TenantMismatch as exc:
                print("other tenant refused:", exc)

    print("\naudit log (newest last):")
    for record in audit.read(limit=20)[::-1]:
        line = record.model_dump(mode="json", exclude={"at", "request_id"}, exclude_none=True)
        print(" ", json.dumps(line))


if __name__ == "__main__":
    asyncio.run(main())
