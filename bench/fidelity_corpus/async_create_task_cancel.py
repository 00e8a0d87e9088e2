# ruff: noqa: ASYNC110, F704
import asyncio


async def forever(log):
    try:
        while True:
            await asyncio.sleep(0.001)
    except asyncio.CancelledError:
        log.append("cancelled")
        raise


log = []
t = asyncio.create_task(forever(log))
await asyncio.sleep(0.005)
t.cancel()
try:
    await t
except asyncio.CancelledError:
    log.append("awaited")
print(log, t.cancelled(), t.done())
done, pending = await asyncio.wait([asyncio.create_task(asyncio.sleep(0, "x"))])
print(len(done), len(pending), [d.result() for d in done])
