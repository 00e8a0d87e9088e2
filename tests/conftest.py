"""Shared fixtures: one real sandbox per test session, and the two drivers."""

from __future__ import annotations

import asyncio
import functools
import os
import socket
import urllib.parse
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from codemode_skills import InProcessDriver, SubprocessDriver, create_code_mode, tool
from codemode_skills.sandbox import Bridge, ExecutionRequest, ExecutionResult, RunLimits


@tool
async def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@tool
async def slow_echo(value: str, delay: float = 0.2) -> dict[str, Any]:
    """Echo after a delay; records when it ran so tests can check overlap."""
    start = asyncio.get_running_loop().time()
    await asyncio.sleep(delay)
    return {"value": value, "start": start, "end": asyncio.get_running_loop().time()}


@tool
def explode(message: str) -> str:
    """Always fails."""
    raise RuntimeError(message)


@tool
async def hang() -> str:
    """Never returns."""
    await asyncio.sleep(3600)
    return "unreachable"


@tool
def bad_output() -> int:
    """Returns a value that does not match its declared output."""
    return "not an int"  # type: ignore[return-value]


TEST_TOOLS = [add, slow_echo, explode, hang, bad_output]


@pytest.fixture(scope="session")
async def subprocess_driver() -> AsyncIterator[SubprocessDriver]:
    driver = SubprocessDriver(pool_size=2)
    await driver.start()
    yield driver
    await driver.close()


@pytest.fixture(scope="session")
async def inprocess_driver() -> InProcessDriver:
    return InProcessDriver()


@pytest.fixture(params=["subprocess", "inprocess"])
async def driver(
    request: pytest.FixtureRequest,
    subprocess_driver: SubprocessDriver,
    inprocess_driver: InProcessDriver,
) -> Any:
    return subprocess_driver if request.param == "subprocess" else inprocess_driver


@pytest.fixture
async def cm(driver: Any) -> Any:
    """A CodeMode over the test tools, sharing the session's driver."""
    mode = create_code_mode(TEST_TOOLS, driver=driver, timeout_s=10)
    yield mode
    mode.events.close()  # the driver is shared: do not close it here


async def run(
    driver: Any,
    code: str,
    *,
    timeout_s: float = 10,
    memory_mb: int = 256,
    limits: RunLimits | None = None,
    tools: list[Any] | None = None,
) -> ExecutionResult:
    """Run ``code`` on ``driver`` directly (no CodeMode), with the test tools."""
    table = {t.name: t for t in (tools if tools is not None else TEST_TOOLS)}
    return await driver.execute(
        ExecutionRequest(
            code=code,
            bridge=Bridge(table),
            timeout_s=timeout_s,
            memory_mb=memory_mb,
            limits=limits or RunLimits(),
        )
    )


@pytest.fixture
def api() -> Iterator[Any]:
    """A local server speaking the OpenAI / Anthropic wire formats (see fakeapi.py)."""
    import threading

    from tests.fakeapi import FakeAPI

    fake = FakeAPI()
    thread = threading.Thread(target=fake.server.serve_forever, daemon=True)
    thread.start()
    yield fake
    fake.server.shutdown()


# -- what lives outside the Python environment ----------------------------------------


def in_ci() -> bool:
    """CI sets ``CI=true``: there every test must run, whatever it needs."""
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def require_external(what: str, present: bool, install: str) -> None:
    """A test that needs something outside Python (a browser, a service) runs when it is
    present. When it is absent the test is skipped with a reason that names what to
    install (shown in the summary: ``-rs``), except in CI, where it fails: CI must run
    every test."""
    if present:
        return
    message = f"needs {what}: {install}"
    if in_ci():
        pytest.fail(f"{message} (CI=true: this test must run)", pytrace=False)
    pytest.skip(message)


@functools.cache
def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def require_postgres() -> None:
    parts = urllib.parse.urlsplit(POSTGRES_URL)
    require_external(
        f"PostgreSQL at {parts.hostname}:{parts.port or 5432}",
        _reachable(parts.hostname or "127.0.0.1", parts.port or 5432),
        "install and start PostgreSQL (`apt-get install postgresql`, trust auth, a database "
        "`test`), or point CODEMODE_TEST_POSTGRES_URL at one",
    )


# -- storage backends (one contract suite runs against all of them) ----------------------

POSTGRES_URL = os.environ.get(
    "CODEMODE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
BACKENDS = ["memory", "file", "sqlite", "postgres", "mongo"]


@pytest.fixture(scope="session")
def mongo_url() -> Iterator[str]:
    """``CODEMODE_TEST_MONGO_URL`` (a real MongoDB), else SecantusDB started here: a real
    MongoDB wire-protocol server that pymongo talks to like any other."""
    from codemode_skills.testing import mongo_test_server

    with mongo_test_server() as url:
        yield url


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The real PostgreSQL server (``CODEMODE_TEST_POSTGRES_URL``, default local)."""
    require_postgres()
    return POSTGRES_URL


@pytest.fixture(scope="session")
def storage_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("storage")


def _url_for(kind: str, request: pytest.FixtureRequest, root: Path) -> str:
    if kind == "memory":
        return "memory://"
    if kind == "file":
        return f"file://{root / 'files'}"
    if kind == "sqlite":
        return f"sqlite:///{root / 'skills.db'}"
    if kind == "postgres":
        require_postgres()
        return POSTGRES_URL
    return request.getfixturevalue("mongo_url")


def _fresh_tenant(url: str) -> Any:
    from codemode_skills.storage import open_storage

    return open_storage(url, tenant=f"t{uuid.uuid4().hex[:12]}")


@pytest.fixture(params=BACKENDS)
def storage_url(request: pytest.FixtureRequest, storage_root: Path) -> str:
    """A URL per backend. Tests use a fresh tenant, so backends need no wiping."""
    return _url_for(request.param, request, storage_root)


@pytest.fixture
def storage(storage_url: str) -> Any:
    """A fresh tenant's storage, on every backend."""
    return _fresh_tenant(storage_url)


@pytest.fixture(params=[b for b in BACKENDS if b != "memory"])
def durable_storage(request: pytest.FixtureRequest, storage_root: Path) -> Any:
    """A fresh tenant's storage on every backend that outlives its process."""
    return _fresh_tenant(_url_for(request.param, request, storage_root))
