# ruff: noqa: B905, F704
import asyncio

FAKE = {
    "Oslo": {"temp_c": 4.5, "wind": 7},
    "Lima": {"temp_c": 19.0, "wind": 3},
    "Rome": {"temp_c": 15.5, "wind": 5},
}


async def get_weather(city):
    await asyncio.sleep(0)
    if city not in FAKE:
        raise LookupError(f"unknown city {city!r}")
    return FAKE[city]


cities = ["Oslo", "Lima", "Rome", "Atlantis"]
reports = await asyncio.gather(*(get_weather(c) for c in cities), return_exceptions=True)
good = {c: r for c, r in zip(cities, reports) if not isinstance(r, Exception)}
for city, error in ((c, r) for c, r in zip(cities, reports) if isinstance(r, Exception)):
    print(f"skipped {city}: {error}")
warmest = max(good, key=lambda c: good[c]["temp_c"])
print(f"warmest: {warmest} at {good[warmest]['temp_c']:.1f}°C")
{"warmest": warmest, "mean": round(sum(r["temp_c"] for r in good.values()) / len(good), 2)}
