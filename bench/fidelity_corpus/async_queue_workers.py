# ruff: noqa: F704
import asyncio

queue = asyncio.Queue()
results = []


async def producer(n):
    for i in range(n):
        await queue.put(i)
    for _ in range(2):
        await queue.put(None)


async def consumer(name):
    while (item := await queue.get()) is not None:
        results.append((name, item * 10))
        await asyncio.sleep(0)


await asyncio.gather(producer(5), consumer("x"), consumer("y"))
print(sorted(v for _, v in results), len(results), queue.empty())
