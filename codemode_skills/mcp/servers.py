"""``McpServers``: the MCP servers of one code mode, as call targets and prompt stubs.

``CodeMode`` holds one (``create_code_mode(mcp_servers=...)``). Nothing starts until
``start`` (``CodeMode.start``, or the first ``execute``); then every server is connected
at once and its tools listed. A server that does not start is reported in the prompt
(``sections``) and retried on the next execution, never raised from here: one broken
server must not take the others down. When a server's tool list changes, ``version``
moves and the next execution (and prompt) use the new list.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import CodeModeError, ToolDefinitionError
from . import pool
from .config import HttpServer, StdioServer, load_mcp_config
from .connection import Connection
from .names import flat_name, tool_identifiers
from .target import McpTool

#: How results of MCP tools look in a program (added once to the prompt).
RESULTS_NOTE = """\
MCP servers' tools are called as `await tools.<server>.<tool>(...)`. A tool with a declared
result type returns that value; others return their text as `str` (a list when there are
several parts), and images, audio or resources as dicts (`{"type": "image", "mime_type":
..., "data": <base64>}`, `{"type": "resource", "uri": ..., "text": ...}`): keep those in
the program unless the user needs them. A failing MCP tool raises `ToolError`."""

StubEntry = tuple[str, str, dict[str, Any], dict[str, Any] | None]


@dataclass
class Section:
    """One server's part of the prompt: its stubs and what the model should know."""

    server: str
    entries: list[StubEntry] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def heading(self) -> str:
        return f"MCP server `{self.server}` (call as `await tools.{self.server}.<tool>(...)`):"


class McpServers:
    """Configured servers (keyed by their ``tools.<name>``), started on demand."""

    def __init__(self, servers: Mapping[str, StdioServer | HttpServer]) -> None:
        self.configs = dict(servers)
        self._connections: dict[str, Connection] = {}
        self._targets: dict[str, McpTool] = {}
        self._sections: list[Section] = []
        self._built: tuple[Any, ...] | None = None
        self._starting: asyncio.Lock | None = None
        self.started = False

    @classmethod
    def of(cls, value: Any) -> McpServers:
        """From a config file path, its parsed content, ``{name: config}``, or as is."""
        if isinstance(value, McpServers):
            return value
        if isinstance(value, (str, Path, Mapping)):
            return cls(load_mcp_config(value))
        raise ToolDefinitionError(
            "mcp_servers must be a config file path, a mapping of server name -> config, "
            f"or McpServers, not {type(value).__name__}"
        )

    @property
    def names(self) -> list[str]:
        return list(self.configs)

    def check_host_names(self, names: Any) -> None:
        """A host tool may not take a server's ``tools.<name>``, nor look like one of its
        tools (``<server>__<tool>``): ``ToolDefinitionError`` naming both."""
        for name in names:
            head = name.split("__", 1)[0]
            if name in self.configs or ("__" in name and head in self.configs):
                raise ToolDefinitionError(
                    f"host tool {name!r} collides with MCP server {head!r} (tools.{head}); "
                    "rename the tool or the server"
                )

    def connection(self, server: str) -> Connection:
        """The connection of ``server`` (after ``start``): its state, pid, tools."""
        try:
            return self._connections[server]
        except KeyError:
            raise KeyError(f"no started MCP server {server!r}") from None

    # -- life -------------------------------------------------------------------------
    async def start(self) -> None:
        """Connect every server (concurrently); those that fail are noted, not raised."""
        if self._starting is None:
            self._starting = asyncio.Lock()
        async with self._starting:
            if not self.started:
                for name, config in self.configs.items():
                    self._connections[name] = pool.acquire(config)
                self.started = True
        await self._connect_missing()

    async def _connect_missing(self) -> None:
        """Try servers that have no tool list yet (never started, or failed to) and whose
        backoff is over: an execution never waits for a server it may not even call."""
        due = [(n, c) for n, c in self._connections.items() if not c.tools and c.due()]
        pending = [c.ensure(n) for n, c in due]
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)

    async def close(self) -> None:
        """Release this code mode's hold; a server nobody else holds is stopped."""
        connections, self._connections = self._connections, {}
        self.started = False
        self._built = None
        await asyncio.gather(*(pool.release(c) for c in connections.values()))

    # -- what programs and prompts see ------------------------------------------------
    @property
    def version(self) -> tuple[Any, ...]:
        """Moves when a server's tools or availability change."""
        return tuple((n, c.version, c.state == "down") for n, c in self._connections.items())

    async def targets(self) -> dict[str, McpTool]:
        """The call targets of the next execution, by their flat names."""
        if not self.started:
            await self.start()
        else:
            await self._connect_missing()
        await asyncio.gather(*(c.settled() for c in self._connections.values()))
        self._rebuild()
        return self._targets

    async def unavailable(self, wanted: Iterable[tuple[str, str]]) -> list[str]:
        """Why each ``(server, tool)`` of ``wanted`` cannot be called now (empty: all
        can), naming it as a program does: ``tools.<server>.<tool>``."""
        targets = await self.targets()
        out = []
        for server, tool in sorted(wanted):
            if flat_name(server, tool) in targets:
                continue
            where = f"tools.{server}.{tool}"
            connection = self._connections.get(server)
            if server not in self.configs:
                out.append(f"{where}: no MCP server {server!r} is configured")
            elif connection is not None and connection.state == "down":
                out.append(f"{where}: the MCP server {server!r} is down ({connection.reason})")
            else:
                out.append(f"{where}: the MCP server {server!r} has no tool {tool!r}")
        return out

    def sections(self) -> list[Section]:
        """The prompt's part for each server (``start`` first)."""
        if not self.started:
            raise CodeModeError(
                "the MCP servers are not started: `await code_mode.start()` (or run a "
                "program) before reading the system prompt, so it can list their tools"
            )
        self._rebuild()
        return self._sections

    def _rebuild(self) -> None:
        if self._built == self.version:
            return
        targets: dict[str, McpTool] = {}
        sections = []
        for server, connection in self._connections.items():
            section = Section(server)
            if connection.state == "down" or (connection.state != "up" and not connection.tools):
                why = connection.reason or "it is not running"
                section.notes.append(f"this server is unavailable ({why})")
            elif not connection.tools:
                section.notes.append("this server lists no tools")
            idents, renamed = tool_identifiers(t.name for t in connection.tools)
            section.notes.extend(renamed)
            for remote in connection.tools:
                ident = idents[remote.name]
                target = McpTool(connection, remote, server, ident, flat_name(server, ident))
                problems = target.problems()
                if problems:
                    section.notes.append(
                        f"{ident} is unavailable: its schema cannot be used ({problems[0]})"
                    )
                    continue
                targets[target.name] = target
                section.entries.append(target.stub_entry(ident))
            sections.append(section)
        self._targets, self._sections, self._built = targets, sections, self.version
