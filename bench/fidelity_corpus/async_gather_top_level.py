# ruff: noqa: F704
import asyncio


async def fetch(name, delay):
    await asyncio.sleep(delay)
    return f"{name}:{delay}"


results = await asyncio.gather(fetch("a", 0.02), fetch("b", 0.01), fetch("c", 0))
print(results)
print(await fetch("single", 0))
