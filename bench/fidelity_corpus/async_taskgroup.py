# ruff: noqa: F821
import asyncio


async def square(x):
    await asyncio.sleep(0.001 * x)
    return x * x


async with asyncio.TaskGroup() as tg:
    tasks = [tg.create_task(square(i)) for i in range(5)]
print([t.result() for t in tasks])


async def fail(msg):
    await asyncio.sleep(0)
    raise ValueError(msg)


try:
    async with asyncio.TaskGroup() as tg:
        tg.create_task(fail("one"))
        tg.create_task(square(2))
except ExceptionGroup as group:
    print("failed:", [str(e) for e in group.exceptions])
