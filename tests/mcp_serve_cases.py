"""What the ``mcp serve`` tests share: our server started as the CLI starts it, the SDK's
own client connected to it, tokens, and a skill to register (no tests of its own).

The server is always a real ``codemode-skills mcp serve`` process (stdio, or streamable
HTTP on a free port); the client is the SDK's ``Client``, unmocked.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

from tests.mcp_cases import ROOT, free_port, require_sdk

KEY = "k" * 48  # the HTTP server's token key in these tests
SERVE = [sys.executable, "-m", "codemode_skills.cli.main", "mcp", "serve"]
WEATHER = "codemode_skills.cli.weather"  # the demo's host tools

#: A skill whose test run passes: doubles a number.
DOUBLE = {
    "name": "double_it",
    "description": "Double a number.",
    "code": "return {'value': input['x'] * 2}",
    "input_schema": {
        "type": "object",
        "properties": {"x": {"type": "number"}},
        "required": ["x"],
    },
    "output_schema": {
        "type": "object",
        "properties": {"value": {"type": "number"}},
        "required": ["value"],
    },
    "test_input": {"x": 2},
}


def stdio_params(*args: str) -> Any:
    require_sdk()
    from mcp.client.stdio import StdioServerParameters

    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp")}
    return StdioServerParameters(command=SERVE[0], args=[*SERVE[1:], *args], cwd=str(ROOT), env=env)


@contextlib.asynccontextmanager
async def stdio_client(*args: str, mode: str = "auto", **options: Any) -> AsyncIterator[Any]:
    """The SDK's client on a ``mcp serve`` child process (``args`` after ``serve``)."""
    from mcp import Client
    from mcp.client.stdio import stdio_client as transport

    async with Client(transport(stdio_params(*args)), mode=mode, **options) as client:
        yield client


@contextlib.contextmanager
def http_server(tmp: Path, *args: str) -> Iterator[str]:
    """``mcp serve --http`` on a free port (the key in ``KEY``); yields its ``/mcp`` URL."""
    require_sdk()
    port = free_port()
    key = tmp / "token.key"
    key.write_text(KEY)
    command = [*SERVE, "--http", f"127.0.0.1:{port}", "--token-key-file", str(key), *args]
    log = open(tmp / "server.log", "w")
    proc = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            time.sleep(0.1)
        assert proc.poll() is None, (tmp / "server.log").read_text()
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def token(tenant: str, user: str | None = None, scopes: str | None = None, **kw: Any) -> str:
    """A bearer token as ``mcp token`` issues it (every MCP scope unless ``scopes``)."""
    from codemode_skills.mcp.server.scopes import ALL_SCOPES
    from codemode_skills.security import ExecutionContext, TokenSigner

    granted = ALL_SCOPES if scopes is None else frozenset(scopes.split())
    ctx = ExecutionContext(tenant=tenant, user=user, scopes=granted)
    return TokenSigner(kw.pop("key", KEY)).issue(ctx, **kw)


@contextlib.asynccontextmanager
async def http_client(url: str, bearer: str, **options: Any) -> AsyncIterator[Any]:
    """The SDK's client over streamable HTTP, sending ``Authorization: Bearer``."""
    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    headers = {"Authorization": f"Bearer {bearer}"}
    async with httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(60.0)) as http:
        async with Client(streamable_http_client(url, http_client=http), **options) as client:
            yield client


async def call(client: Any, tool: str, /, **arguments: Any) -> Any:
    return await client.call_tool(tool, arguments)


def payload(result: Any) -> Any:
    """A tool result's JSON text, decoded."""
    return json.loads(result.content[0].text)


async def run(client: Any, code: str) -> dict[str, Any]:
    """``execute_python``'s answer (``success``, ``result``, ``error``...)."""
    return payload(await call(client, "execute_python", code=code))


async def tool_names(client: Any) -> list[str]:
    return [t.name for t in (await client.list_tools(cache_mode="bypass")).tools]


async def extension(client: Any, method: str, **params: Any) -> dict[str, Any]:
    """A request of the skills extension (``skills/list``, ``skills/get``), raw."""
    from mcp_types import Request
    from pydantic import TypeAdapter

    request = Request[dict[str, Any], str](method=method, params=params)
    return await client.session.send_request(request, TypeAdapter(dict[str, Any]))


async def until(predicate: Any, attempts: int = 200) -> bool:
    """Poll ``predicate`` (bounded: attempts x 50 ms)."""
    for _ in range(attempts):
        if predicate():
            return True
        await asyncio.sleep(0.05)
    return bool(predicate())


def no_host_detail(text: str, *paths: Path) -> None:
    """``text`` (something a client received) names no host path and shows no frame."""
    assert "Traceback" not in text and 'File "' not in text, text
    for path in (ROOT, Path.home(), Path(json.__file__).parent, *paths):
        assert str(path) not in text, text
