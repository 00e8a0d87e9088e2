"""The offline demo: a program that fans out tool calls, runs in the real sandbox."""

from __future__ import annotations

import asyncio
import json
from typing import Literal

from pydantic import BaseModel, Field

from ..codemode import create_code_mode
from ..tools.tool import tool

_CITIES = {
    "oslo": (4.0, "sleet"),
    "lima": (19.5, "overcast"),
    "cairo": (27.0, "sunny"),
    "tokyo": (16.0, "rain"),
    "quito": (14.0, "cloudy"),
}


class Weather(BaseModel):
    """Current conditions in a city."""

    city: str
    temp_c: float = Field(description="Temperature in degrees Celsius")
    conditions: str


@tool
async def get_weather(city: str, units: Literal["c", "f"] = "c") -> Weather:
    """Current weather for a city (a stand-in for a real weather API).

    Args:
        city: City name, e.g. "Oslo".
        units: Unit system for the temperature.
    """
    await asyncio.sleep(0.05)  # a network round trip
    temp, conditions = _CITIES.get(city.lower(), (10.0, "unknown"))
    if units == "f":
        temp = temp * 9 / 5 + 32
    return Weather(city=city, temp_c=temp, conditions=conditions)


@tool
def list_cities() -> list[str]:
    """The cities the weather service knows."""
    return [c.title() for c in _CITIES]


DEMO_PROGRAM = """\
import asyncio
cities = await tools.list_cities()
reports = await asyncio.gather(*(tools.get_weather(city=c) for c in cities))
dry = [r for r in reports if r["conditions"] not in ("rain", "sleet")]
warmest = max(dry, key=lambda r: r["temp_c"])
print(f"checked {len(reports)} cities concurrently, {len(dry)} are dry")
return {"warmest_dry_city": warmest["city"], "temp_c": warmest["temp_c"]}
"""


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
        print(DEMO_PROGRAM)
        result = await cm.execute(DEMO_PROGRAM)
        print("== what goes back to the model ==")
        print(json.dumps(result.for_model(), indent=2))
        print(
            f"({result.tool_calls} tool calls in {result.duration_ms:.1f} ms; "
            f"events: {', '.join(sorted(set(events)))})"
        )
        escape = await cm.execute("return ().__class__.__mro__[1].__subclasses__()")
        print("\n== an escape attempt ==")
        print(json.dumps(escape.for_model(), indent=2))
        learned = await run_skills_demo([get_weather, list_cities], storage, cm.driver,
                                        local_model)  # fmt: skip
        print(f"(skills stored in {store or folder + '/skills.db'}, tenant {tenant!r})")
        return 0 if result.success and not escape.success and learned == 0 else 1
