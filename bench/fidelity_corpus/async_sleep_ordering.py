# ruff: noqa: F704
import asyncio

order = []


async def worker(name, steps):
    for i in range(steps):
        order.append(f"{name}{i}")
        await asyncio.sleep(0)


await asyncio.gather(worker("a", 3), worker("b", 2), worker("c", 1))
print(order)
