"""``create_code_mode``: the execute tool and system prompt, over a driver.

The thin facade the agent loop and users hold: it owns the tools, builds the prompt
(with Python stubs of every tool), and runs programs through the driver with events.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from .errors import RateLimited, ToolDefinitionError
from .events import Event, EventHub, EventType
from .sandbox.bridge import Bridge
from .sandbox.driver import Driver, ExecutionRequest
from .sandbox.jail.runtime import RunLimits
from .sandbox.process.driver import SubprocessDriver
from .sandbox.result import ExecutionResult, failure
from .security.audit import AuditAction, AuditLog, Auditor
from .security.context import ExecutionContext, resolve_context
from .security.ratelimit import RateLimiter
from .security.tokens import TokenSigner
from .tools.discovery import DEFAULT_THRESHOLD, SEARCH_TOOLS, Catalogue, Discovery, ToolSearch
from .tools.stubs import render_stubs
from .tools.tool import Tool

if TYPE_CHECKING:
    from .mcp.servers import McpServers

    #: What ``mcp_servers=`` takes: a config file's path, its content, or ``McpServers``.
    McpServersLike = McpServers | Mapping[str, Any] | str | os.PathLike[str]

EXECUTE_TOOL_NAME = "execute_python"

PROMPT_RULES = """\
You can run Python programs with the `{execute}` tool. Write an ordinary Python module;
`await` works at its top level:

- `await tools.<name>(**kwargs)` calls a host tool (stubs below). Tools are async.
- `return <value>` ends the program; the value (JSON: dict, list, str, number, bool,
  None) is what you get back. `print(...)` output comes back as logs (stderr lines,
  warnings among them, start with `[stderr] `).
- Run independent calls concurrently: `import asyncio` and `await asyncio.gather(...)`.
- Keep intermediate data inside the program: filter, join and summarize there, and return
  only what you need.
- The sandbox has no network, no files and no environment; only the tools reach the
  outside world. Ordinary Python works (classes, comprehensions, dataclasses, re, json,
  math, datetime, collections, itertools, pathlib's pure paths, ...). `os`, `subprocess`,
  `open` are not available.
- A failing tool raises `ToolError` (`ToolValidationError` for bad arguments); you may
  catch it. Errors come back with a type, a message and the line.

Example:

```python
import asyncio
cities = ["Oslo", "Lima"]
reports = await asyncio.gather(*(tools.get_weather(city=c) for c in cities))
warmest = max(zip(cities, reports), key=lambda pair: pair[1]["temp_c"])
print("checked", len(cities), "cities")
return {{"city": warmest[0], "temp_c": warmest[1]["temp_c"]}}
```
"""


EXECUTE_DESCRIPTION = (
    "Run a Python program in a sandbox. The program calls host tools as "
    "`await tools.<name>(...)`; its `return` value and printed logs come back."
)


def stub_block(heading: str, entries: list[tuple[str, str, dict, dict | None]]) -> str:
    """``heading``, then Python stubs of ``entries`` (name, description, input and output
    schema) in a fenced block: how a prompt lists what a program can call."""
    return f"{heading}\n\n```python\n{render_stubs(entries).strip()}\n```\n"


class ExecutePythonInput(BaseModel):
    """Input of the execute tool."""

    code: str = Field(description="The body of an async Python function to run in the sandbox.")


class CodeMode:
    """Tools + driver + prompt. Use ``create_code_mode`` to build one.

    Security (all optional): an execution acts for the ``ExecutionContext`` passed to
    ``execute`` or set with ``use_context``; its calls carry a token from ``signer`` (a
    random per-instance key when none is given) that the bridge verifies per call;
    ``rate_limiter`` refuses executions over a user's or tenant's budget; ``audit``
    receives a record per tool call and refusal.
    """

    def __init__(
        self,
        tools: Iterable[Tool],
        *,
        driver: Driver | None = None,
        timeout_s: float = 30.0,
        memory_mb: int = 256,
        limits: RunLimits | None = None,
        on_event: Callable[[Event], Any] | None = None,
        signer: TokenSigner | None = None,
        rate_limiter: RateLimiter | None = None,
        audit: AuditLog | None = None,
        mcp_servers: McpServersLike | None = None,
        discovery: ToolSearch | None = None,
        discovery_threshold: int = DEFAULT_THRESHOLD,
    ) -> None:
        self.tools: dict[str, Tool] = {}
        self._prompt: str | None = None
        self._prompt_mcp: tuple[Any, ...] | None = None
        #: The MCP servers whose tools programs call as ``tools.<server>.<tool>``.
        self.mcp: McpServers | None = None
        if mcp_servers is not None:
            from .mcp.servers import McpServers  # the SDK itself loads when one starts

            self.mcp = McpServers.of(mcp_servers)
        #: Progressive discovery (docs/discovery.md): ``tools.search_tools`` above a threshold.
        self.discovery: Discovery | None = None
        if discovery is not None:
            self.discovery = Discovery(discovery, threshold=discovery_threshold)
        self.add_tools(tools)
        if timeout_s <= 0 or memory_mb < 16:
            raise ValueError("timeout_s must be > 0 and memory_mb at least 16")
        self.driver: Driver = driver if driver is not None else SubprocessDriver()
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self.limits = limits or RunLimits()
        self.events = EventHub()
        if on_event is not None:
            self.events.subscribe(on_event)
        self._ids = itertools.count(1)
        self.signer = signer
        self.rate_limiter = rate_limiter  # a security.RateLimiter
        self.auditor = Auditor(audit)
        self.tool = self.execute_tool()

    def execute_tool(
        self, run: Callable[[str], Awaitable[ExecutionResult]] | None = None, *, note: str = ""
    ) -> Tool:
        """The ``execute_python`` tool: ``run(code)`` runs the program (default:
        ``execute``), ``note`` is added to the description (``self.tool`` is the plain
        one; ``SkillToolset`` builds one whose programs can call skills)."""
        run_program = run if run is not None else self.execute

        async def execute_python(args: ExecutePythonInput) -> dict[str, Any]:
            return (await run_program(args.code)).for_model()

        return Tool(
            name=EXECUTE_TOOL_NAME,
            description=f"{EXECUTE_DESCRIPTION} {note}".strip(),
            fn=execute_python,
            input_model=ExecutePythonInput,
        )

    def add_tools(self, tools: Iterable[Tool]) -> None:
        """Make more tools callable (e.g. ``SkillToolset.management_tools``, which need
        the code mode to exist first). Programs started afterwards see them."""
        for t in tools:
            if not isinstance(t, Tool):
                raise ToolDefinitionError(f"{t!r} is not a Tool; decorate the function with @tool")
            if t.name in self.tools or t.name == EXECUTE_TOOL_NAME:
                raise ToolDefinitionError(f"duplicate tool name {t.name!r}")
            if self.discovery is not None and t.name == SEARCH_TOOLS:
                raise ToolDefinitionError(f"{SEARCH_TOOLS!r} is the discovery tool's name")
            if self.mcp is not None:
                self.mcp.check_host_names([t.name])
            self.tools[t.name] = t
        self._prompt = None

    @property
    def system_prompt(self) -> str:
        """The rules of the program, a worked example, and stubs of every tool (with MCP
        servers: ``await start()`` first, so their tools are listed)."""
        if self.mcp is not None and self._prompt_mcp != self.mcp.version:
            self._prompt = None  # a server's tool list changed
        if self._prompt is None and (catalogue := self._catalogue()) is not None:
            self._prompt = self._discovery_prompt(catalogue)
        if self._prompt is None:
            entries = [
                (t.name, t.description, t.input_schema, t.output_schema)
                for t in self.tools.values()
            ]
            heading = "The tools (call them as `await tools.<name>(...)`):"
            self._prompt = (
                PROMPT_RULES.format(execute=EXECUTE_TOOL_NAME) + "\n" + stub_block(heading, entries)
            )
            if self.mcp is not None:
                self._prompt += self._mcp_prompt(self.mcp)
                self._prompt_mcp = self.mcp.version
        return self._prompt

    # -- progressive discovery (docs/discovery.md) ------------------------------------
    def _catalogue(self) -> Catalogue | None:
        """What ``search_tools`` searches, when discovery is on and the tools (host +
        MCP) exceed its threshold; None: the prompt carries every stub."""
        if self.discovery is None:
            return None
        sections = self.mcp.sections() if self.mcp is not None else []
        catalogue = self.discovery.catalogue(list(self.tools.values()), sections)
        return catalogue if self.discovery.active(catalogue) else None

    def _discovery_prompt(self, catalogue: Catalogue) -> str:
        prompt = PROMPT_RULES.format(execute=EXECUTE_TOOL_NAME) + "\n"
        if self.discovery is not None:
            prompt += self.discovery.prompt(catalogue)
        if self.mcp is not None:
            from .mcp.servers import RESULTS_NOTE

            prompt += "\n" + RESULTS_NOTE + "\n"
            self._prompt_mcp = self.mcp.version
        return prompt

    # -- end of progressive discovery ---------------------------------------------------
    @staticmethod
    def _mcp_prompt(mcp: McpServers) -> str:
        from .mcp.servers import RESULTS_NOTE

        parts = ["", RESULTS_NOTE, ""]
        for section in mcp.sections():
            notes = "".join(f"- {note}\n" for note in section.notes)
            if section.entries:
                parts.append(stub_block(section.heading, section.entries) + notes)
            else:
                parts.append(f"{section.heading}\n\n{notes}")
        return "\n".join(parts)

    async def execute(
        self,
        code: str,
        *,
        skills: dict[str, Any] | None = None,
        globals: dict[str, Any] | None = None,
        timeout_s: float | None = None,
        context: ExecutionContext | None = None,
    ) -> ExecutionResult:
        """Run ``code`` for ``context`` (default: the current one, see ``use_context``).
        Never raises for anything the program does; a refused run is a failed result."""
        execution_id = f"{os.getpid()}-{next(self._ids)}"
        context = resolve_context(context)
        if context is not None and self.rate_limiter is not None:
            try:
                await self.rate_limiter.acheck(context)
            except RateLimited as exc:
                self.auditor.record(
                    AuditAction.EXECUTION,
                    context=context,
                    outcome="refused",
                    error="RateLimited",
                    execution_id=execution_id,
                    retry_after_s=round(exc.retry_after_s, 3),
                )
                return failure("RateLimited", str(exc), [], time.perf_counter())
        if context is not None and self.signer is None:
            self.signer = TokenSigner()  # this instance's random key
        tools: dict[str, Any] = self.tools
        if self.mcp is not None:  # (starts the servers on the first execution)
            tools = {**self.tools, **await self.mcp.targets()}
        if self.discovery is not None and self._catalogue() is not None:  # (discovery)
            tools = {**tools, SEARCH_TOOLS: self.discovery.tool}
        bridge = Bridge(
            tools,
            skills,
            self.events,
            execution_id,
            context=context,
            signer=self.signer,
            auditor=self.auditor,
        )
        if self.events.active:
            self.events.emit(EventType.EXECUTION_STARTED, execution_id=execution_id, code=code)
        result = await self.driver.execute(
            ExecutionRequest(
                code=code,
                bridge=bridge,
                timeout_s=timeout_s or self.timeout_s,
                memory_mb=self.memory_mb,
                limits=self.limits,
                globals=globals,
                context=context,
            )
        )
        if not self.events.active:
            return result
        self.events.emit(
            EventType.EXECUTION_FINISHED,
            execution_id=execution_id,
            success=result.success,
            error=result.error.model_dump() if result.error else None,
            duration_ms=result.duration_ms,
            tool_calls=result.tool_calls,
        )
        return result

    async def start(self) -> None:
        """Start the driver (and the MCP servers) now instead of on the first ``execute``."""
        await self.driver.start()
        if self.mcp is not None:
            await self.mcp.start()
        if self.discovery is not None and self._catalogue() is not None:
            await self.discovery.prepare()  # index the tools now, not in the first search

    async def close(self) -> None:
        if self.mcp is not None:
            await self.mcp.close()
        await self.driver.close()
        self.events.close()

    async def __aenter__(self) -> CodeMode:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


def create_code_mode(
    tools: Iterable[Tool] = (),
    *,
    driver: Driver | None = None,
    timeout_s: float = 30.0,
    memory_mb: int = 256,
    limits: RunLimits | None = None,
    on_event: Callable[[Event], Any] | None = None,
    signer: TokenSigner | None = None,
    rate_limiter: RateLimiter | None = None,
    audit: AuditLog | None = None,
    mcp_servers: McpServersLike | None = None,
    discovery: ToolSearch | None = None,
    discovery_threshold: int = DEFAULT_THRESHOLD,
) -> CodeMode:
    """Build a code mode over ``tools``. The default driver is ``SubprocessDriver``.

    ``mcp_servers``: MCP servers whose tools programs call as ``tools.<server>.<tool>``:
    a config file path (``{"mcpServers": {...}}``), its parsed content, a mapping of name
    -> ``StdioServer``/``HttpServer``/dict, or an ``McpServers`` (see docs/mcp.md).

    ``discovery``: the index behind ``tools.search_tools`` (``selection.tool_index.
    ToolIndex()``); with it, above ``discovery_threshold`` tools (host + MCP) the prompt
    lists only the namespaces and programs search for tools (see docs/discovery.md).
    """
    return CodeMode(
        tools,
        driver=driver,
        timeout_s=timeout_s,
        memory_mb=memory_mb,
        limits=limits,
        on_event=on_event,
        signer=signer,
        rate_limiter=rate_limiter,
        audit=audit,
        mcp_servers=mcp_servers,
        discovery=discovery,
        discovery_threshold=discovery_threshold,
    )
