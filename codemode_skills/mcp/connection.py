"""One MCP server as the host holds it: started on demand, restarted after a crash.

The SDK's ``Client`` is an async context manager whose cancel scopes must be entered and
left by one task, so each connection runs a *runner* task that holds the client open
until ``close`` (or a crash) ends it; calls from any task of the same loop go through
it. States: ``idle`` (never started) -> ``up`` -> ``crashed`` (restarted on the next
call once its backoff has passed) -> ``down`` after ``max_failures`` failures in a row
(calls fail at once until ``down_retry_s`` has passed, then one start is tried) ->
``closed``. A successful call clears the count.

Whatever a program may see (``ToolError`` messages, the ``reason`` the prompt shows) is
built from fixed phrases and the server's own words passed through its ``Redactor``:
no command line, path, environment or header.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

from ..errors import ToolError, ToolValidationError
from .config import HttpServer, StdioServer
from .process import ServerProcess, stderr_tail
from .results import Redactor
from .transport import open_transport

log = logging.getLogger("codemode_skills.mcp")

#: Seconds a server has to start and list its tools.
START_TIMEOUT_S = 30.0
#: Pages of ``tools/list`` read at most (a paginator that never ends cannot hang us).
MAX_PAGES = 100


@dataclass(frozen=True)
class RemoteTool:
    """One tool as the server lists it."""

    name: str
    description: str
    input_schema: dict[str, Any]
    output_schema: dict[str, Any] | None


def _remote(tool: Any) -> RemoteTool:
    return RemoteTool(
        name=tool.name,
        description=tool.description or tool.title or "",
        input_schema=dict(tool.input_schema or {}),
        output_schema=dict(tool.output_schema) if tool.output_schema else None,
    )


async def _list_tools(client: Any, *, refresh: bool = False) -> list[RemoteTool]:
    tools: list[RemoteTool] = []
    cursor = None
    for _ in range(MAX_PAGES):
        page = await client.list_tools(cursor=cursor, cache_mode="refresh" if refresh else "use")
        tools.extend(_remote(t) for t in page.tools)
        cursor = page.next_cursor
        if cursor is None:
            break
    return tools


class Connection:
    """One server (a process, or an HTTP session), shared by the code modes of a
    process that configure it alike (``pool``)."""

    def __init__(
        self,
        config: StdioServer | HttpServer,
        *,
        max_failures: int = 3,
        backoff_s: float = 0.5,
        max_backoff_s: float = 10.0,
        down_retry_s: float = 30.0,
    ) -> None:
        self.config = config
        self.redactor = Redactor(config.secrets())
        self.max_failures = max_failures
        self.backoff_s, self.max_backoff_s = backoff_s, max_backoff_s
        self.down_retry_s = down_retry_s
        self.state = "idle"
        #: Why the server is not up, in words a program may read.
        self.reason = ""
        #: The tools of the last listing, and a counter that moves when it changes.
        self.tools: list[RemoteTool] = []
        self.version = 0
        self.process: ServerProcess | None = None
        #: Called (no arguments) after the tool list changed.
        self.on_change: list[Callable[[], None]] = []
        self._client: Any = None
        self._runner: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        self._lock = asyncio.Lock()
        self._failures = 0
        self._retry_at = 0.0
        self._refreshing: asyncio.Task[None] | None = None
        self._errlog = tempfile.TemporaryFile("w+") if isinstance(config, StdioServer) else None

    # -- state ------------------------------------------------------------------------
    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def due(self) -> bool:
        """Whether a start may be tried now (its backoff, or its time down, is over)."""
        return self.state not in ("up", "closed") and time.monotonic() >= self._retry_at

    def _alive(self) -> bool:
        return self.process is None or self.process.alive()

    async def ensure(self, label: str = "") -> None:
        """Up, or a ``ToolError`` saying why not (after the backoff, one start is tried)."""
        if self.state == "up" and self._alive():
            return
        async with self._lock:
            if self.state == "up":
                if self._alive():
                    return
                await self._failed("the server process exited")
            if self.state == "closed":
                raise ToolError(f"{label or 'MCP'}: the MCP server connection is closed")
            wait = self._retry_at - time.monotonic()
            if self.state == "down" and wait > 0:
                raise ToolError(f"{label or 'MCP'}: the MCP server is down ({self.reason})")
            if wait > 0:
                await asyncio.sleep(wait)  # the backoff before a restart
            await self._start(label)

    async def _start(self, label: str) -> None:
        await self._reap()
        self._stop = asyncio.Event()
        ready: asyncio.Future[list[RemoteTool]] = asyncio.get_running_loop().create_future()
        self._runner = asyncio.create_task(self._run(ready), name=f"mcp {self.config.describe()}")
        try:
            tools = await asyncio.wait_for(asyncio.shield(ready), START_TIMEOUT_S)
        except asyncio.CancelledError:
            self._stop.set()
            raise
        except Exception as exc:
            self._stop.set()
            log.warning("MCP server (%s) did not start: %s", self.config.describe(), _why(exc))
            self._log_stderr()
            await self._failed("it did not start", count_restart=False)
            raise ToolError(f"{label or 'MCP'}: the MCP server did not start") from None
        self.state, self.reason = "up", ""
        if tools != self.tools:
            self.tools = tools
            self._changed()

    async def _run(self, ready: asyncio.Future[list[RemoteTool]]) -> None:
        """The runner task: the client's whole life, from connect to close."""
        import anyio
        from mcp import Client

        try:
            async with AsyncExitStack() as stack:
                transport = await open_transport(self.config, stack, self._errlog)
                client = Client(transport, message_handler=self._on_message)
                await stack.enter_async_context(client)
                if self._errlog is not None:
                    self.process = ServerProcess.find(self._errlog)
                tools = await _list_tools(client)
                self._client = client
                if not ready.done():
                    ready.set_result(tools)
                async with anyio.create_task_group() as group:
                    if _listens(client):
                        group.start_soon(self._listen, client)
                    await self._stop.wait()
                    group.cancel_scope.cancel()
        except BaseException as exc:  # the runner must end quietly; its starter reports
            if not ready.done():
                if isinstance(exc, asyncio.CancelledError):
                    ready.cancel()
                else:
                    ready.set_exception(exc if isinstance(exc, Exception) else RuntimeError())
            if isinstance(exc, asyncio.CancelledError):
                raise
            if self.state == "up":
                log.warning("MCP server (%s) ended: %s", self.config.describe(), _why(exc))
        finally:
            self._client = None

    async def _failed(self, reason: str, *, count_restart: bool = True) -> None:
        """Note a crash (or a failed start) and when the next start may be tried."""
        self._stop.set()
        self._failures += 1
        if self._failures >= self.max_failures:
            self.state = "down"
            self.reason = f"{reason}; it failed {self._failures} times in a row"
            self._retry_at = time.monotonic() + self.down_retry_s
        else:
            self.state = "crashed" if count_restart else "failed"
            self.reason = reason
            delay = min(self.backoff_s * 2 ** (self._failures - 1), self.max_backoff_s)
            self._retry_at = time.monotonic() + delay

    async def _reap(self) -> None:
        """Wait for an ended runner (the SDK stops a dead server's remains there)."""
        runner, self._runner = self._runner, None
        if runner is not None and not runner.done():
            self._stop.set()
            with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError, Exception):
                await asyncio.wait_for(runner, 10.0)
        if self.process is not None and self.process.alive():
            self.process.kill(grace_s=0.5)
        self.process = None

    def _log_stderr(self) -> None:
        if self._errlog is not None:
            tail = stderr_tail(self._errlog)
            if tail:
                log.warning("MCP server stderr (end): %s", self.redactor.text(tail))

    # -- calls ------------------------------------------------------------------------
    async def call(self, tool: str, args: dict[str, Any], label: str) -> Any:
        """``tools/call``; returns the SDK's ``CallToolResult`` or raises ``ToolError``."""
        from mcp import MCPError
        from mcp_types import CONNECTION_CLOSED, REQUEST_TIMEOUT

        await self.ensure(label)
        client = self._client
        timeout = self.config.timeout_s
        try:
            if client is None:
                raise MCPError(CONNECTION_CLOSED, "Connection closed")
            result = await client.call_tool(tool, args, read_timeout_seconds=timeout)
        except MCPError as exc:
            if exc.code == CONNECTION_CLOSED:
                await self._crash()
                raise ToolError(
                    f"{label}() failed: the MCP server exited during the call "
                    "(it is restarted on the next call)"
                ) from None
            if exc.code == REQUEST_TIMEOUT:
                raise ToolError(f"{label}() timed out after {timeout:g} s") from None
            raise ToolError(f"{label}() failed: {self._words(exc.message)}") from None
        except RuntimeError as exc:  # the SDK's check of structuredContent
            raise ToolValidationError(
                f"{label}() returned an invalid result: {self._words(str(exc))}"
            ) from None
        except (asyncio.CancelledError, ToolError):
            raise
        except Exception as exc:  # the transport broke (a closed pipe, an HTTP error)
            if not self._alive() or self._client is None:
                await self._crash()
            log.warning("MCP call %s failed: %s", label, _why(exc))
            raise ToolError(f"{label}() failed: {type(exc).__name__}") from None
        self._failures = 0
        return result

    async def _crash(self) -> None:
        async with self._lock:
            if self.state == "up":
                self._log_stderr()
                await self._failed("the server process exited")

    def _words(self, text: str, limit: int = 500) -> str:
        text = self.redactor.text(text)
        return text if len(text) <= limit else text[: limit - 3] + "..."

    # -- tool list changes ------------------------------------------------------------
    async def _on_message(self, message: Any) -> None:
        """Notifications of a handshake-era (2025) connection."""
        if type(message).__name__ == "ToolListChangedNotification":
            self._schedule_refresh()

    async def _listen(self, client: Any) -> None:
        """A 2026-era connection: change events come on a ``subscriptions/listen`` stream."""
        with contextlib.suppress(Exception):
            async with client.listen(tools_list_changed=True) as events:
                async for _ in events:
                    self._schedule_refresh()

    def _schedule_refresh(self) -> None:
        if self._refreshing is None or self._refreshing.done():
            self._refreshing = asyncio.get_running_loop().create_task(self._refresh())

    async def _refresh(self) -> None:
        client = self._client
        if client is None:
            return
        try:
            tools = await _list_tools(client, refresh=True)
        except Exception as exc:
            log.warning("MCP server (%s): relisting failed: %s", self.config.describe(), _why(exc))
            return
        if tools != self.tools:
            self.tools = tools
            self._changed()

    async def settled(self) -> None:
        """Wait for a relisting under way (the next execution sees its result)."""
        refreshing = self._refreshing
        if refreshing is not None and not refreshing.done():
            await asyncio.shield(refreshing)

    def _changed(self) -> None:
        self.version += 1
        for callback in list(self.on_change):
            callback()

    # -- the end ----------------------------------------------------------------------
    async def close(self) -> None:
        """Stop the server (the SDK closes its stdin, then terminates its process group)."""
        self.state = "closed"
        if self._refreshing is not None:
            self._refreshing.cancel()
        await self._reap()
        if self._errlog is not None:
            self._errlog.close()

    def kill_now(self) -> None:
        """At interpreter exit, with no loop to run ``close``: kill the process group."""
        if self.process is not None:
            self.process.kill()


def _listens(client: Any) -> bool:
    """Whether to open a ``subscriptions/listen`` stream for tool list changes."""
    from mcp_types.version import MODERN_PROTOCOL_VERSIONS

    tools = client.server_capabilities.tools
    modern = client.protocol_version in MODERN_PROTOCOL_VERSIONS
    return modern and bool(tools and tools.list_changed)


def _why(exc: BaseException) -> str:
    """An exception for the host's log (an exception group: its first leaf)."""
    while getattr(exc, "exceptions", None):  # an ExceptionGroup (3.10: the backport's)
        exc = exc.exceptions[0]  # type: ignore[attr-defined]
    return f"{type(exc).__name__}: {exc}"
