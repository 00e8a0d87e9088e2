"""Rate limiting: a token bucket per user and per tenant, in memory or shared through Redis.

A bucket holds at most ``burst`` tokens and refills at ``rate`` tokens per second; each
request takes ``cost`` tokens or is refused with the time until it could succeed. Token
buckets allow short bursts (an agent often fires several executions at once) while still
capping the sustained rate, and need only two numbers of state per key.

``MemoryBucketStore`` serves one process. ``RedisBucketStore`` lets several app instances
share the budget: the refill-and-take runs as one Lua script, so concurrent callers cannot
both spend the last token, and it reads the Redis server's clock, so instances whose clocks
disagree still refill a bucket consistently.
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from ..errors import RateLimited
from .context import ExecutionContext

if TYPE_CHECKING:
    import redis

__all__ = ["BucketStore", "MemoryBucketStore", "RateLimit", "RateLimiter", "RedisBucketStore"]

log = logging.getLogger(__name__)

#: Tolerance when comparing tokens with a cost: a caller that waits exactly the announced
#: ``retry_after`` must succeed even if floating-point refill lands a hair short.
_EPSILON = 1e-9


@dataclass(frozen=True)
class RateLimit:
    """``rate`` tokens per second refill a bucket of ``burst`` tokens (its capacity)."""

    rate: float
    burst: int

    def __post_init__(self) -> None:
        if not isinstance(self.rate, (int, float)) or not (0 < self.rate < math.inf):
            raise ValueError(f"rate must be a finite number > 0, not {self.rate!r}")
        if not isinstance(self.burst, int) or isinstance(self.burst, bool) or self.burst < 1:
            raise ValueError(f"burst must be an integer >= 1, not {self.burst!r}")

    @classmethod
    def per_minute(cls, n: float, burst: int | None = None) -> RateLimit:
        """``n`` requests a minute; by default a full minute's worth may come at once."""
        if not isinstance(n, (int, float)) or not (0 < n < math.inf):
            raise ValueError(f"requests per minute must be a finite number > 0, not {n!r}")
        return cls(rate=n / 60.0, burst=max(1, math.ceil(n)) if burst is None else burst)


def _check_cost(limit: RateLimit, cost: float) -> None:
    # A cost above the capacity could never be paid: refusing it with a retry time would
    # make the caller wait forever. A negative cost gives tokens back (a refund).
    if not math.isfinite(cost) or cost == 0 or abs(cost) > limit.burst:
        raise ValueError(f"cost must be non-zero and at most burst={limit.burst}, not {cost!r}")


@runtime_checkable
class BucketStore(Protocol):
    """Where the buckets live. ``take`` must be atomic per key."""

    def take(self, key: str, limit: RateLimit, cost: float = 1.0) -> float:
        """Refill ``key``'s bucket for the time elapsed, then remove ``cost`` tokens.

        Returns 0.0 when allowed, else the seconds until ``cost`` tokens will be there;
        a refused call takes nothing. A missing bucket counts as full. A negative
        ``cost`` returns tokens (never above ``burst``) and is always allowed.
        """
        ...


class MemoryBucketStore:
    """Buckets in a dict, for one process. Thread-safe; ``clock`` is injectable for tests.

    Memory stays bounded: past ``max_keys`` buckets, those that have refilled completely
    are dropped (a missing bucket *is* a full one, so nothing is lost). If every bucket is
    still in use, the ones closest to full go first — the least information to lose, and
    the error is towards allowing, never towards refusing an honest caller.
    """

    def __init__(
        self, *, clock: Callable[[], float] = time.monotonic, max_keys: int = 10_000
    ) -> None:
        if max_keys < 1:
            raise ValueError("max_keys must be >= 1")
        self._clock = clock
        self._max_keys = max_keys
        self._lock = threading.Lock()
        # key -> (tokens, time of last update, time at which the bucket is full again)
        self._buckets: dict[str, tuple[float, float, float]] = {}

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, key: str, limit: RateLimit, cost: float = 1.0) -> float:
        _check_cost(limit, cost)
        with self._lock:
            now = self._clock()
            state = self._buckets.get(key)
            if state is None:
                tokens = float(limit.burst)
                if len(self._buckets) >= self._max_keys:
                    self._evict(now)
            else:
                tokens, last, _ = state
                tokens = min(float(limit.burst), tokens + max(0.0, now - last) * limit.rate)
            if tokens + _EPSILON < cost:
                return (cost - tokens) / limit.rate
            tokens = max(0.0, min(float(limit.burst), tokens - cost))
            self._buckets[key] = (tokens, now, now + (limit.burst - tokens) / limit.rate)
            return 0.0

    def _evict(self, now: float) -> None:
        """Drop full buckets; if that is not enough, keep the 3/4 furthest from full, so
        the sort is paid once per ``max_keys / 4`` new keys, not on every one."""
        self._buckets = {k: v for k, v in self._buckets.items() if v[2] > now}
        if len(self._buckets) >= self._max_keys:
            keep = sorted(self._buckets.items(), key=lambda kv: kv[1][2], reverse=True)
            self._buckets = dict(keep[: self._max_keys * 3 // 4])


# KEYS[1] = bucket; ARGV = rate (tokens/s), burst, cost. Returns the wait in seconds as a
# string (Redis would truncate a Lua number to an integer). Time comes from the server.
_TAKE_LUA = """
if redis.replicate_commands then pcall(redis.replicate_commands) end
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = burst
  ts = now
end
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
if tokens + 1e-9 < cost then
  return string.format('%.17g', (cost - tokens) / rate)
end
tokens = math.max(0, math.min(burst, tokens - cost))
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens),
           'ts', string.format('%.17g', now))
redis.call('PEXPIRE', KEYS[1], math.max(1, math.ceil((burst - tokens) / rate * 1000)))
return '0'
"""


class RedisBucketStore:
    """Buckets shared by every app instance through one Redis (sync client).

    Each bucket is a hash (``tokens``, ``ts``) under ``prefix + key``, expiring when it
    would be full again, so idle users cost no memory. Redis errors propagate: whether to
    fail open or closed when Redis is down is the application's decision, not ours.
    Blocking — ``RateLimiter.acheck`` calls it through ``asyncio.to_thread``.
    """

    def __init__(self, url_or_client: str | redis.Redis, prefix: str = "cms:rl:") -> None:
        if isinstance(url_or_client, str):
            import redis as redis_lib  # optional dependency: only needed for this store

            self.client: redis.Redis = redis_lib.Redis.from_url(url_or_client)
            self._owns_client = True
        else:
            self.client = url_or_client
            self._owns_client = False
        self.prefix = prefix
        self._take = self.client.register_script(_TAKE_LUA)  # EVALSHA, loads on NOSCRIPT

    def take(self, key: str, limit: RateLimit, cost: float = 1.0) -> float:
        _check_cost(limit, cost)
        wait = self._take(keys=[self.prefix + key], args=[limit.rate, limit.burst, cost])
        return float(wait)

    def close(self) -> None:
        """Close the client if this store created it (from a URL)."""
        if self._owns_client:
            self.client.close()


class RateLimiter:
    """Per-user and per-tenant budgets for an action (by default ``"execute"``).

    The user's bucket is charged first, then the tenant's; when the tenant refuses, the
    user's tokens are given back. This order keeps users apart: a user over their own
    limit is refused before touching the shared tenant budget, so one noisy user cannot
    drain it for everyone else. What remains imprecise: between the take and the refund
    (one round trip) that user's bucket is briefly short of ``cost`` tokens, and a refund
    that fails (e.g. Redis went away) is logged and lost — errors towards refusing.
    """

    def __init__(
        self,
        store: BucketStore | None = None,
        *,
        per_user: RateLimit | None = None,
        per_tenant: RateLimit | None = None,
    ) -> None:
        self.store: BucketStore = store if store is not None else MemoryBucketStore()
        self.per_user = per_user
        self.per_tenant = per_tenant

    def check(self, context: ExecutionContext, action: str = "execute", cost: float = 1.0) -> None:
        """Charge ``cost`` to the caller's budgets or raise ``RateLimited``.

        A context without a user is limited only by its tenant's bucket.
        """
        if cost <= 0:
            raise ValueError(f"cost must be > 0, not {cost!r}")
        tenant, user = context.tenant, context.user
        user_key = f"{action}:user:{tenant}:{user}"
        tenant_key = f"{action}:tenant:{tenant}"
        charged_user = False
        if self.per_user is not None and user is not None:
            wait = self.store.take(user_key, self.per_user, cost)
            if wait > 0:
                raise self._refused(f"user {user!r} of tenant {tenant!r}", action, wait, user_key)
            charged_user = True
        if self.per_tenant is not None:
            wait = self.store.take(tenant_key, self.per_tenant, cost)
            if wait > 0:
                if charged_user:
                    self._refund(user_key, cost)
                raise self._refused(f"tenant {tenant!r}", action, wait, tenant_key)

    async def acheck(
        self, context: ExecutionContext, action: str = "execute", cost: float = 1.0
    ) -> None:
        """``check`` for async code: a blocking store (Redis) runs in a worker thread; the
        memory store only holds a lock for microseconds, so it runs inline."""
        if isinstance(self.store, MemoryBucketStore):
            self.check(context, action, cost)
        else:
            await asyncio.to_thread(self.check, context, action, cost)

    def _refund(self, key: str, cost: float) -> None:
        assert self.per_user is not None
        try:
            self.store.take(key, self.per_user, -cost)
        except Exception:  # the refusal matters more than the refund; keep it visible
            log.warning("could not refund %s token(s) to bucket %r", cost, key, exc_info=True)

    @staticmethod
    def _refused(who: str, action: str, wait: float, key: str) -> RateLimited:
        shown = math.ceil(wait * 10) / 10  # never "retry in 0.0 s"
        return RateLimited(
            f"rate limit exceeded for {who} on {action!r}: retry in {shown:.1f} s", wait, key
        )
