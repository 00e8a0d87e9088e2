import asyncio


async def countdown(n):
    while n > 0:
        yield n
        await asyncio.sleep(0)
        n -= 1


async for value in countdown(3):
    print("tick", value)
print([v async for v in countdown(4) if v % 2 == 0])


class Pages:
    def __init__(self, total):
        self.total = total

    def __aiter__(self):
        self.page = 0
        return self

    async def __anext__(self):
        if self.page >= self.total:
            raise StopAsyncIteration
        self.page += 1
        return f"page{self.page}"


print([p async for p in Pages(3)])
