"""The offline demo: a program that fans out tool calls, runs in the real sandbox."""

from __future__ import annotations

import json

from ..codemode import create_code_mode
from .weather import PROGRAM, get_weather, list_cities


async def run_demo(
    store: str | None = None, tenant: str = "demo", local_model: str | None = None
) -> int:
    """Code mode, an escape attempt, then skills learned and reused on a SQLite store
    (``store``: a storage URL; default a fresh file in a temporary folder)."""
    import tempfile

    from ..storage import open_storage
    from .skills_demo import run_skills_demo

    events: list[str] = []
    folder = tempfile.mkdtemp(prefix="codemode-demo-")
    storage = open_storage(store or f"sqlite:///{folder}/skills.db", tenant=tenant)
    async with create_code_mode(
        [get_weather, list_cities], on_event=lambda e: events.append(e.type)
    ) as cm:
        print("== isolation ==")
        print("active layers:", ", ".join(cm.driver.isolation.get("active", [])))
        inactive = cm.driver.isolation.get("inactive", {})
        if inactive:
            print("inactive:", json.dumps(inactive))
        print("\n== system prompt (excerpt: tool stubs) ==")
        print(cm.system_prompt.split("The tools", 1)[1].strip())
        print("\n== the model's program ==")
        print(PROGRAM)
        result = await cm.execute(PROGRAM)
        print("== what goes back to the model ==")
        print(json.dumps(result.for_model(), indent=2))
        print(
            f"({result.tool_calls} tool calls in {result.duration_ms:.1f} ms; "
            f"events: {', '.join(sorted(set(events)))})"
        )
        escape = await cm.execute("return ().__class__.__mro__[1].__subclasses__()")
        print("\n== an escape attempt ==")
        print(json.dumps(escape.for_model(), indent=2))
        learned = await run_skills_demo([get_weather, list_cities], storage, cm.driver, local_model)
        print(f"(skills stored in {store or folder + '/skills.db'}, tenant {tenant!r})")
        return 0 if result.success and not escape.success and learned == 0 else 1
