"""Who gets the next sandbox worker: per-tenant caps and round-robin across tenants.

Workers are scarce (each is a process). Served first-come first-served, one tenant's
burst of hanging programs would hold every worker and queue ahead of everyone else
(F13). So the pool asks this queue instead:

- a tenant may hold at most ``per_tenant`` workers at once; its further requests wait
  here, and a waiting request of a tenant at its cap is *not eligible*: it is not served
  and does not count as demand, so it makes the pool fork nothing;
- among eligible requests the tenant holding the fewest workers goes first, and tenants
  holding as many take turns (round-robin by tenant, first come first served within one
  tenant): a tenant with one request waits behind at most one request of each other
  tenant, however many the others have queued.

Requests without an identity all count as one tenant (``None``).
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter, deque
from typing import Generic, TypeVar

T = TypeVar("T")


def default_max_workers() -> int:
    """Worker processes at most: four per CPU, between 4 and 32 (each may use its
    memory limit, 256 MB by default)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(4, min(32, 4 * cpus))


class Waiter(Generic[T]):
    """One request waiting for a worker: its tenant and its future (the worker it gets
    is checked against the limits it needs by whoever waits, see ``WorkerPool.take``)."""

    __slots__ = ("future", "tenant")

    def __init__(self, tenant: str | None, future: asyncio.Future[T]) -> None:
        self.tenant = tenant
        self.future = future


class FairQueue(Generic[T]):
    """Waiting requests by tenant, and how many workers each tenant holds now."""

    def __init__(self, per_tenant: int) -> None:
        if per_tenant < 1:
            raise ValueError("per_tenant must be >= 1")
        self.per_tenant = per_tenant
        self._queues: dict[str | None, deque[Waiter[T]]] = {}
        self._turns: deque[str | None] = deque()  # tenants with waiters, in turn order
        self.holding: Counter[str | None] = Counter()

    def __len__(self) -> int:
        return sum(len(q) for q in self._queues.values())

    def has_room(self, tenant: str | None) -> bool:
        """Whether ``tenant`` may take one more worker now."""
        return self.holding[tenant] < self.per_tenant

    def add(self, waiter: Waiter[T]) -> None:
        queue = self._queues.get(waiter.tenant)
        if queue is None:
            queue = self._queues[waiter.tenant] = deque()
            self._turns.append(waiter.tenant)
        queue.append(waiter)

    def remove(self, waiter: Waiter[T]) -> None:
        """Forget a waiter that gave up (timed out or was cancelled)."""
        queue = self._queues.get(waiter.tenant)
        if queue is not None and waiter in queue:
            queue.remove(waiter)
            if not queue:
                self._drop(waiter.tenant)

    def eligible(self) -> int:
        """Waiting requests that could be served now (the demand the pool forks for)."""
        return sum(
            min(len(queue), max(0, self.per_tenant - self.holding[tenant]))
            for tenant, queue in self._queues.items()
        )

    def pop(self) -> Waiter[T] | None:
        """The next eligible waiter: of the tenant holding the fewest workers, ties going
        to whoever's turn comes first; that tenant's turn then moves to the back."""
        best: str | None = None
        found = False
        for tenant in list(self._turns):
            queue = self._queues[tenant]
            while queue and queue[0].future.done():  # gave up without being removed
                queue.popleft()
            if not queue:
                self._drop(tenant)
            elif self.has_room(tenant) and (not found or self.holding[tenant] < self.holding[best]):
                best, found = tenant, True
        if not found:
            return None
        queue = self._queues[best]
        waiter = queue.popleft()
        self._turns.remove(best)
        if queue:
            self._turns.append(best)
        else:
            del self._queues[best]
        return waiter

    def drain(self) -> list[Waiter[T]]:
        """Every waiter, removed (to fail them all)."""
        waiters = [w for queue in self._queues.values() for w in queue]
        self._queues.clear()
        self._turns.clear()
        return waiters

    def _drop(self, tenant: str | None) -> None:
        self._queues.pop(tenant, None)
        try:
            self._turns.remove(tenant)
        except ValueError:
            pass
