"""The demo's world: a weather service as two host tools, and the program a model writes
against it (shown by ``demo``, saved as a skill by the skills part, offered by ``chat``)."""

from __future__ import annotations

import asyncio
from typing import Literal

from pydantic import BaseModel, Field

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


PROGRAM = """\
import asyncio
cities = await tools.list_cities()
reports = await asyncio.gather(*(tools.get_weather(city=c) for c in cities))
dry = [r for r in reports if r["conditions"] not in ("rain", "sleet")]
best = max(dry, key=lambda r: r["temp_c"])
print(f"checked {len(reports)} cities, {len(dry)} dry")
return {"city": best["city"], "temp_c": best["temp_c"]}"""
