# ruff: noqa: F704
import asyncio

loop = asyncio.get_running_loop()
start = loop.time()
await asyncio.sleep(0.001)
print(loop.time() > start, isinstance(start, float))
