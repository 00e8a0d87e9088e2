"""Rate limiting: token-bucket arithmetic on a fake clock, the per-user / per-tenant rules,
and the Redis store against a real server (shared by two "app instances", hammered by
threads). The Redis tests fail — never skip — when Redis is not reachable."""

from __future__ import annotations

import logging
import math
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from codemode_skills.errors import RateLimited, SecurityError
from codemode_skills.security.context import ExecutionContext
from codemode_skills.security.ratelimit import (
    BucketStore,
    MemoryBucketStore,
    RateLimit,
    RateLimiter,
    RedisBucketStore,
)

from .conftest import require_external

REDIS_URL = os.environ.get("CODEMODE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def memory(clock: FakeClock) -> MemoryBucketStore:
    return MemoryBucketStore(clock=clock)


def ctx(tenant: str = "acme", user: str | None = "bob") -> ExecutionContext:
    return ExecutionContext(tenant=tenant, user=user)


def refused(fn: Callable[[], None]) -> RateLimited:
    with pytest.raises(RateLimited) as info:
        fn()
    return info.value


# -- RateLimit ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "burst"),
    [(0, 1), (-1, 1), (math.nan, 1), (math.inf, 1), ("1", 1), (1, 0), (1, -2), (1, 1.5), (1, True)],
)
def test_invalid_rate_limit_raises(rate: Any, burst: Any) -> None:
    with pytest.raises(ValueError):
        RateLimit(rate=rate, burst=burst)


def test_rate_limit_per_minute() -> None:
    assert RateLimit.per_minute(60) == RateLimit(rate=1.0, burst=60)
    assert RateLimit.per_minute(30, burst=5) == RateLimit(rate=0.5, burst=5)
    assert RateLimit.per_minute(0.5).burst == 1
    for bad in (0, -3, math.nan):
        with pytest.raises(ValueError):
            RateLimit.per_minute(bad)
    with pytest.raises(ValueError):
        RateLimit.per_minute(10, burst=0)


# -- MemoryBucketStore -------------------------------------------------------------------


def test_memory_burst_then_refused(memory: MemoryBucketStore) -> None:
    limit = RateLimit(rate=1.0, burst=3)
    assert [memory.take("k", limit) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert memory.take("k", limit) > 0
    assert memory.take("other", limit) == 0.0
    assert isinstance(memory, BucketStore)


def test_memory_refill_and_retry_after(memory: MemoryBucketStore, clock: FakeClock) -> None:
    limit = RateLimit(rate=2.0, burst=2)
    memory.take("k", limit)
    memory.take("k", limit)
    assert memory.take("k", limit) == pytest.approx(0.5)
    clock.advance(0.2)
    assert memory.take("k", limit) == pytest.approx(0.3)  # refused calls took nothing
    clock.advance(0.3)  # waiting exactly the announced time is enough
    assert memory.take("k", limit) == 0.0
    assert memory.take("k", limit) == pytest.approx(0.5)
    clock.advance(3600)  # refill stops at the capacity
    assert [memory.take("k", limit) for _ in range(3)] == [0.0, 0.0, pytest.approx(0.5)]


def test_memory_cost_above_one(memory: MemoryBucketStore, clock: FakeClock) -> None:
    limit = RateLimit(rate=1.0, burst=5)
    assert memory.take("k", limit, cost=3) == 0.0
    assert memory.take("k", limit, cost=3) == pytest.approx(1.0)  # 2 left, 1 missing
    assert memory.take("k", limit, cost=2) == 0.0
    assert memory.take("k", limit, cost=0.5) == pytest.approx(0.5)
    clock.advance(2.5)
    assert memory.take("k", limit, cost=2.5) == 0.0
    for bad in (6, 0, math.nan):  # more than the capacity could never be paid
        with pytest.raises(ValueError):
            memory.take("k", limit, cost=bad)


def test_memory_clock_going_back_adds_nothing(memory: MemoryBucketStore, clock: FakeClock) -> None:
    limit = RateLimit(rate=1.0, burst=1)
    memory.take("k", limit)
    clock.advance(-50)
    assert memory.take("k", limit) == pytest.approx(1.0)


def test_memory_evicts_full_buckets_first(clock: FakeClock) -> None:
    store = MemoryBucketStore(clock=clock, max_keys=4)
    limit = RateLimit(rate=1.0, burst=10)
    store.take("busy", limit, cost=10)  # empty: full again only after 10 s
    for key in ("a", "b", "c"):
        store.take(key, limit)  # full again after 1 s
    clock.advance(2)
    store.take("new", limit)
    assert len(store) == 2  # a, b, c had refilled: dropping them lost nothing
    assert store.take("busy", limit, cost=3) == pytest.approx(1.0)  # still remembered


def test_memory_stays_bounded_when_every_bucket_is_busy(clock: FakeClock) -> None:
    store = MemoryBucketStore(clock=clock, max_keys=8)
    limit = RateLimit(rate=0.001, burst=1)
    for i in range(100):
        store.take(f"k{i}", limit)
        assert len(store) <= 8


def test_memory_threads_allow_exactly_burst() -> None:
    store = MemoryBucketStore()
    limit = RateLimit(rate=1e-6, burst=50)
    assert hammer(lambda: store, limit, "k", threads=8, attempts=40) == 50


# -- RateLimiter -------------------------------------------------------------------------


def limiter(store: BucketStore, user_burst: int | None = 2, tenant_burst: int | None = 3) -> Any:
    return RateLimiter(
        store,
        per_user=None if user_burst is None else RateLimit(rate=1.0, burst=user_burst),
        per_tenant=None if tenant_burst is None else RateLimit(rate=1.0, burst=tenant_burst),
    )


def test_user_limit_then_tenant_limit(memory: MemoryBucketStore) -> None:
    rl = limiter(memory, user_burst=2, tenant_burst=3)
    rl.check(ctx(user="alice"))
    rl.check(ctx(user="alice"))
    err = refused(lambda: rl.check(ctx(user="alice")))
    assert isinstance(err, SecurityError)
    assert err.key == "execute:user:acme:alice"
    assert err.retry_after_s == pytest.approx(1.0)
    assert str(err) == (
        "rate limit exceeded for user 'alice' of tenant 'acme' on 'execute': retry in 1.0 s"
    )
    rl.check(ctx(user="bob"))  # bob has his own bucket; the tenant's third token
    err = refused(lambda: rl.check(ctx(user="bob")))  # users share the tenant's budget
    assert err.key == "execute:tenant:acme"
    assert str(err) == "rate limit exceeded for tenant 'acme' on 'execute': retry in 1.0 s"
    rl.check(ctx(tenant="globex", user="bob"))  # another tenant is unaffected
    rl.check(ctx(user="bob"), action="register")  # and so is another action


def test_noisy_user_does_not_drain_the_tenant(memory: MemoryBucketStore) -> None:
    rl = limiter(memory, user_burst=1, tenant_burst=3)
    rl.check(ctx(user="noisy"))
    for _ in range(20):
        assert refused(lambda: rl.check(ctx(user="noisy"))).key.startswith("execute:user:")
    rl.check(ctx(user="carol"))
    rl.check(ctx(user="dave"))


def test_tenant_refusal_refunds_the_user(memory: MemoryBucketStore, clock: FakeClock) -> None:
    rl = RateLimiter(
        memory, per_user=RateLimit(rate=0.001, burst=2), per_tenant=RateLimit(rate=1.0, burst=1)
    )
    rl.check(ctx())  # user 2 -> 1, tenant 1 -> 0
    for _ in range(5):
        assert refused(lambda: rl.check(ctx())).key == "execute:tenant:acme"
    clock.advance(1.0)
    rl.check(ctx())  # the user's last token survived the tenant's refusals


def test_refund_failure_is_logged_and_the_refusal_kept(
    memory: MemoryBucketStore, caplog: pytest.LogCaptureFixture
) -> None:
    class NoRefund:
        def take(self, key: str, limit: RateLimit, cost: float = 1.0) -> float:
            if cost < 0:
                raise ConnectionError("gone")
            return memory.take(key, limit, cost)

    rl = limiter(NoRefund(), user_burst=5, tenant_burst=1)
    rl.check(ctx())
    with caplog.at_level(logging.WARNING, logger="codemode_skills.security.ratelimit"):
        assert refused(lambda: rl.check(ctx())).key == "execute:tenant:acme"
    assert "could not refund" in caplog.text


def test_anonymous_user_only_limited_by_tenant(memory: MemoryBucketStore) -> None:
    rl = limiter(memory, user_burst=1, tenant_burst=3)
    for _ in range(3):
        rl.check(ctx(user=None))
    assert refused(lambda: rl.check(ctx(user=None))).key == "execute:tenant:acme"


def test_limiter_cost_and_defaults() -> None:
    rl = RateLimiter(per_tenant=RateLimit(rate=1.0, burst=5))  # memory store by default
    rl.check(ctx(), cost=4)
    assert 0 < refused(lambda: rl.check(ctx(), cost=2)).retry_after_s <= 1.0
    for bad in (0, -1):
        with pytest.raises(ValueError):
            rl.check(ctx(), cost=bad)
    RateLimiter().check(ctx())  # no limits configured: everything passes


async def test_acheck_memory(memory: MemoryBucketStore) -> None:
    rl = limiter(memory, user_burst=1, tenant_burst=5)
    await rl.acheck(ctx())
    with pytest.raises(RateLimited):
        await rl.acheck(ctx())


# -- Redis -------------------------------------------------------------------------------


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A unique key prefix on the real Redis; its keys are deleted afterwards."""
    try:
        import redis
    except ImportError:
        pytest.fail("the Redis tests need the 'redis' package (pip install redis)")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        reachable = bool(client.ping())
    except redis.RedisError:
        reachable = False
    require_external(
        f"Redis at {REDIS_URL}",
        reachable,
        "install and start a Redis server (`apt-get install redis-server`), or point "
        "CODEMODE_TEST_REDIS_URL at one",
    )
    prefix = f"cms:test:rl:{uuid.uuid4().hex}:"
    yield prefix
    keys = list(client.scan_iter(match=prefix + "*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def redis_stores(redis_prefix: str) -> Iterator[Callable[[], RedisBucketStore]]:
    """Makes stores, each with its own client (as separate app instances would)."""
    made: list[RedisBucketStore] = []

    def make() -> RedisBucketStore:
        made.append(RedisBucketStore(REDIS_URL, prefix=redis_prefix))
        return made[-1]

    yield make
    for store in made:
        store.close()


def test_redis_two_instances_share_one_budget(
    redis_stores: Callable[[], RedisBucketStore],
) -> None:
    tenant_limit = RateLimit(rate=0.001, burst=5)  # one token per 1000 s: none refill here
    instances = [RateLimiter(redis_stores(), per_tenant=tenant_limit) for _ in range(2)]
    for i in range(5):
        instances[i % 2].check(ctx())
    for instance in instances:
        err = refused(lambda instance=instance: instance.check(ctx()))
        assert err.key == "execute:tenant:acme"
        assert 900 < err.retry_after_s <= 1000  # seconds, not milliseconds


def test_redis_two_instances_user_and_tenant(
    redis_stores: Callable[[], RedisBucketStore], redis_prefix: str
) -> None:
    limits = {"per_user": RateLimit(0.001, burst=3), "per_tenant": RateLimit(0.001, burst=5)}
    a, b = (RateLimiter(redis_stores(), **limits) for _ in range(2))
    for i in range(3):
        (a if i % 2 else b).check(ctx(user="alice"))
    assert refused(lambda: b.check(ctx(user="alice"))).key == "execute:user:acme:alice"
    a.check(ctx(user="carol"))
    b.check(ctx(user="carol"))  # the tenant's fifth and last token
    assert refused(lambda: a.check(ctx(user="carol"))).key == "execute:tenant:acme"
    # carol's refused call was refunded: she still has one of her three tokens
    store = redis_stores()
    raw = store.client.hget(redis_prefix + "execute:user:acme:carol", "tokens")
    assert float(raw) == pytest.approx(1.0, abs=0.01)


def hammer(
    make_store: Callable[[], BucketStore], limit: RateLimit, key: str, threads: int, attempts: int
) -> int:
    """``threads`` threads, each with its own store, take from one key at once."""
    stores = [make_store() for _ in range(threads)]
    barrier = threading.Barrier(threads)
    allowed = [0] * threads

    def run(i: int) -> None:
        barrier.wait()
        for _ in range(attempts):
            if stores[i].take(key, limit) == 0.0:
                allowed[i] += 1

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(allowed)


def test_redis_concurrent_takes_are_atomic(redis_stores: Callable[[], RedisBucketStore]) -> None:
    limit = RateLimit(rate=1e-6, burst=50)
    assert hammer(redis_stores, limit, "hot", threads=8, attempts=40) == 50


def test_redis_retry_after_and_cost(redis_stores: Callable[[], RedisBucketStore]) -> None:
    store = redis_stores()
    limit = RateLimit(rate=0.001, burst=4)
    assert store.take("k", limit, cost=3) == 0.0
    assert 1900 < store.take("k", limit, cost=3) <= 2000  # one token left, two missing
    assert store.take("k", limit, cost=1) == 0.0
    with pytest.raises(ValueError):
        store.take("k", limit, cost=5)


def test_redis_keys_expire(redis_stores: Callable[[], RedisBucketStore], redis_prefix: str) -> None:
    store = redis_stores()
    store.take("slow", RateLimit(rate=1.0, burst=10), cost=3)
    assert 0 < store.client.pttl(redis_prefix + "slow") <= 3000  # until full again
    store.take("fast", RateLimit(rate=100.0, burst=1))  # full again after 10 ms
    deadline = time.monotonic() + 60  # generous: Redis on a busy machine; the TTL is 10 ms
    while store.client.exists(redis_prefix + "fast") and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not store.client.exists(redis_prefix + "fast")


def test_redis_store_with_existing_client(redis_prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    store = RedisBucketStore(client, prefix=redis_prefix)
    assert store.client is client
    assert store.take("k", RateLimit(rate=1.0, burst=1)) == 0.0
    store.close()  # not ours to close
    assert client.ping()
    client.close()


async def test_redis_acheck(redis_stores: Callable[[], RedisBucketStore]) -> None:
    rl = RateLimiter(redis_stores(), per_user=RateLimit(rate=0.001, burst=1))
    await rl.acheck(ctx())
    with pytest.raises(RateLimited):
        await rl.acheck(ctx())
