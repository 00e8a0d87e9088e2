# ruff: noqa: F704
import asyncio

limit = asyncio.Semaphore(2)
active = 0
peak = 0


async def task(i):
    global active, peak
    async with limit:
        active += 1
        peak = max(peak, active)
        await asyncio.sleep(0.001)
        active -= 1
    return i


print(await asyncio.gather(*(task(i) for i in range(6))), "peak", peak)
lock = asyncio.Lock()
async with lock:
    print("locked:", lock.locked())
print("after:", lock.locked())
event = asyncio.Event()


async def waiter():
    await event.wait()
    return "woke"


w = asyncio.create_task(waiter())
await asyncio.sleep(0)
event.set()
print(await w)
