"""One PostgreSQL database, one skill store per tenant: nothing crosses between them.

    CODEMODE_POSTGRES_URL=postgresql://user@host/db python examples/tenants_postgres.py
(default: postgresql://postgres@127.0.0.1:5432/test)
"""

from __future__ import annotations

import asyncio
import os
import uuid

from codemode_skills import create_code_mode
from codemode_skills.skills import SkillManager
from codemode_skills.storage import open_storage

URL = os.environ.get("CODEMODE_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


async def main() -> None:
    run = uuid.uuid4().hex[:6]  # fresh tenants on every run of the example
    async with create_code_mode() as cm:
        acme = SkillManager(open_storage(URL, tenant=f"acme-{run}"), cm)
        globex = SkillManager(open_storage(URL, tenant=f"globex-{run}"), cm)
        await acme.register(
            {
                "name": "greeting",
                "description": "Acme's greeting",
                "code": "return 'Hello from Acme, ' + input['name']",
            }
        )
        await globex.register(
            {
                "name": "greeting",
                "description": "Globex's greeting",
                "code": "return 'Globex welcomes ' + input['name']",
            }
        )
        print(await acme.call("greeting", {"name": "Ana"}))
        print(await globex.call("greeting", {"name": "Ana"}))
        secret = await acme.register(
            {"name": "payroll_total", "description": "Acme payroll", "code": "return 1234567"}
        )
        print("acme has", secret.name, "| globex sees:", [s.name for s in await globex.list()])
        outcome = await globex.execute("return await skills.payroll_total()")
        print("globex calling acme's skill:", outcome.error.message if outcome.error else outcome)
        for manager in (acme, globex):  # tidy up the example's tenants
            for skill in await manager.list():
                await manager.delete(skill.name)


if __name__ == "__main__":
    asyncio.run(main())
