# ruff: noqa: F704
import asyncio


async def double(x):
    await asyncio.sleep(0)
    return x * 2


await asyncio.gather(*(double(i) for i in range(4)))
