# ruff: noqa: F704
import asyncio


async def slow():
    await asyncio.sleep(1)
    return "late"


async def fast():
    await asyncio.sleep(0)
    return "fast"


try:
    await asyncio.wait_for(slow(), timeout=0.01)
except TimeoutError:
    print("timed out", asyncio.TimeoutError is TimeoutError)
print(await asyncio.wait_for(fast(), timeout=1))
try:
    async with asyncio.timeout(0.01):
        await asyncio.sleep(1)
except TimeoutError as exc:
    print("timeout context", type(exc).__name__)
