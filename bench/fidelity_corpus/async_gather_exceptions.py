# ruff: noqa: F704
import asyncio


async def job(n):
    await asyncio.sleep(0)
    if n % 2:
        raise RuntimeError(f"job {n} failed")
    return n


results = await asyncio.gather(*(job(n) for n in range(4)), return_exceptions=True)
print([type(r).__name__ if isinstance(r, Exception) else r for r in results])
print([str(r) for r in results if isinstance(r, Exception)])
try:
    await asyncio.gather(job(0), job(1))
except RuntimeError as exc:
    print("first error:", exc)
