# ruff: noqa: F704
import asyncio


async def lookup(key):
    await asyncio.sleep(0)
    table = {"a": 1}
    return table[key]


print(await lookup("a"))
values = await asyncio.gather(lookup("a"), lookup("zz"))
print(values)
