"""The victim's view of a host-side denial-of-service attack, shared by the tests that
attempt one: while the attack runs, another tenant keeps executing ``return 1`` and a
ticker measures the longest stall of the host's event loop."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from codemode_skills import ExecutionContext, create_code_mode

#: How late another tenant's `return 1` may be, and how long the host loop may stall,
#: while an attack runs. Generous for a busy 2-core machine: before the fixes of the
#: second security review the attacks cost 2 to 60 s.
VICTIM_BOUND_S = 3.0


async def victim_latency(attack: Callable[[], Awaitable[Any]]) -> tuple[Any, float, float]:
    """Run ``attack`` while another tenant runs `return 1` repeatedly and a ticker
    measures the host loop's largest stall. Returns (attack result, worst victim
    latency, worst loop gap)."""
    victim_cm = create_code_mode([])
    globex = ExecutionContext(tenant="globex", user="v")
    await victim_cm.execute("return 1", context=globex)  # warm: its own pool is up
    done = asyncio.Event()
    worst_gap = 0.0

    async def ticker() -> None:
        nonlocal worst_gap
        last = time.monotonic()
        while not done.is_set():
            await asyncio.sleep(0.01)
            now = time.monotonic()
            worst_gap = max(worst_gap, now - last)
            last = now

    async def victim() -> float:
        worst = 0.0
        while not done.is_set():
            started = time.monotonic()
            result = await victim_cm.execute("return 1", context=globex)
            assert result.result == 1
            worst = max(worst, time.monotonic() - started)
            await asyncio.sleep(0.05)
        return worst

    async def run_attack() -> Any:
        try:
            return await attack()
        finally:
            done.set()

    tick = asyncio.ensure_future(ticker())
    attack_result, latency = await asyncio.gather(run_attack(), victim())
    await tick
    await victim_cm.close()
    return attack_result, latency, worst_gap
