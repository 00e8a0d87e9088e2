# ruff: noqa: F704
import asyncio


async def after(delay, value):
    await asyncio.sleep(delay)
    return value


order = []
for next_done in asyncio.as_completed(
    [after(0.03, "slow"), after(0.0, "fast"), after(0.015, "mid")]
):
    order.append(await next_done)
print(order)
