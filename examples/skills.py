"""Skills: save a program that worked, call it from programs and as a tool, watch trust.

Offline and self-contained: a SQLite file in a temporary folder, the real sandbox.
"""

from __future__ import annotations

import asyncio
import tempfile

from codemode_skills import create_code_mode, tool
from codemode_skills.skills import Caller, SkillManager, SkillToolset
from codemode_skills.storage import open_storage
from codemode_skills.trust import RelaxedTrustStrategy, TrustPolicy

PRICES = {"apple": 1.5, "pear": 2.0, "fig": 3.25}


@tool
async def get_price(item: str) -> float:
    """Price of one item in EUR."""
    return PRICES[item]


BASKET = {
    "name": "basket_total",
    "description": "Total price of a basket of items, in EUR",
    "code": (
        "import asyncio\n"
        "prices = await asyncio.gather(*(tools.get_price(item=i) for i in input['items']))\n"
        "return round(sum(prices), 2)"
    ),
    "input_schema": {
        "type": "object",
        "properties": {"items": {"type": "array", "items": {"type": "string"}}},
        "required": ["items"],
    },
    "output_schema": {"type": "number"},
    "tags": ["shopping"],
}


async def main() -> None:
    folder = tempfile.mkdtemp()
    storage = open_storage(f"sqlite:///{folder}/skills.db", tenant="acme")
    async with create_code_mode([get_price]) as cm:
        manager = SkillManager(
            storage,
            cm,
            trust_strategy=RelaxedTrustStrategy(),  # provisional at 3 runs, trusted at 10
            policy=TrustPolicy(require_review=True),  # trusted only after an admin approves
        )
        cm.events.subscribe(
            lambda e: e.type.startswith("skill:") and print("  event:", e.type, e.data)
        )

        # 1. register: validated, test-run on an example, stored as version 1
        await manager.register(BASKET, author="assistant", test_input={"items": ["apple"]})

        # 2. a bad registration lists every problem and stores nothing
        try:
            await manager.register({**BASKET, "name": "broken", "code": "return ("})
        except Exception as exc:
            print("refused:", exc)

        # 3. call it from a program (skills.x) and as a tool of its own name
        result = await manager.execute(
            "return await skills.basket_total(items=['apple', 'pear', 'fig'])"
        )
        print("from a program:", result.result)
        [as_tool] = SkillToolset(manager).skill_tools([await manager.get("basket_total")])
        print("as a tool:", await as_tool.invoke({"items": ["fig", "fig"]}))

        # 4. a skill that calls a skill
        await manager.register(
            {
                "name": "cheapest_basket",
                "description": "Which of several baskets costs least",
                "code": (
                    "totals = [await skills.basket_total(items=b) for b in input['baskets']]\n"
                    "return min(range(len(totals)), key=totals.__getitem__)"
                ),
            }
        )
        print("cheapest:", await manager.call("cheapest_basket", {"baskets": [["fig"], ["pear"]]}))

        # 5. trust follows the record; an unattended caller needs a proven skill
        nightly = Caller(unattended=True, caller="nightly-job")
        for _ in range(12):
            await manager.call("basket_total", {"items": ["apple"]})
        skill = await manager.get("basket_total")
        print(f"after {skill.stats.executions} runs: {skill.trust.value}, {skill.status.value}")
        await manager.approve("basket_total", reviewer="admin@acme")
        print("after review:", (await manager.get("basket_total")).trust.value)
        # with require_review, unattended callers run approved skills only
        print(
            "unattended run:",
            await manager.call("basket_total", {"items": ["pear"]}, context=nightly),
        )

        # 6. edit, history, rollback
        await manager.update("basket_total", {"description": "Basket total in EUR"}, note="doc")
        await manager.rollback("basket_total", 1)
        print("versions:", [(v.version, v.note) for v in await manager.versions("basket_total")])
        print("search:", [h.skill.name for h in await manager.search("price of a basket")])


if __name__ == "__main__":
    asyncio.run(main())
