"""A small MCP server (the SDK's ``MCPServer``, stdio) that does what the tests need a
real server to do: fail with ``isError``, send large and structured results, change its
tool list, crash mid-call, echo its own secret. Run: ``python -m tests.mcp_servers.probe``
or ``python tests/mcp_servers/probe.py``."""

from __future__ import annotations

import asyncio
import atexit
import base64
import os
import time
from enum import Enum

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.utilities.types import Image
from pydantic import BaseModel, Field

server = MCPServer("probe")
#: Calls that reached ``forecast`` (a refused call must not count).
CALLS = {"forecast": 0}

#: A 1x1 PNG.
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


class Unit(str, Enum):
    celsius = "celsius"
    fahrenheit = "fahrenheit"


class Reading(BaseModel):
    hour: int
    temp: float = Field(description="Temperature in the requested unit")


class Forecast(BaseModel):
    city: str
    unit: Unit
    readings: list[Reading]
    note: str | None = None


@server.tool()
def echo(text: str) -> str:
    """Return the text unchanged."""
    return text


@server.tool()
def forecast(city: str, unit: Unit = Unit.celsius, hours: int = 2) -> Forecast:
    """A made-up forecast (structured output with an outputSchema)."""
    CALLS["forecast"] += 1
    readings = [Reading(hour=h, temp=10.0 + h) for h in range(hours)]
    return Forecast(city=city, unit=unit, readings=readings)


@server.tool()
def forecast_calls() -> int:
    """How many calls reached ``forecast``."""
    return CALLS["forecast"]


@server.tool()
def fail(message: str) -> str:
    """Always fails with isError: true."""
    raise ToolError(f"refused: {message}")


@server.tool()
def big(size: int) -> str:
    """A text result of ``size`` characters."""
    return "x" * size


@server.tool()
def pixel() -> Image:
    """A one-pixel PNG image."""
    return Image(data=PIXEL, format="png")


@server.tool()
def pid() -> int:
    """This server's process id."""
    return os.getpid()


@server.tool()
async def slow(seconds: float) -> str:
    """Sleep, then answer."""
    await asyncio.sleep(seconds)
    return "done"


@server.tool()
def crash() -> str:
    """Exit the process in the middle of the call."""
    os._exit(3)


@server.tool()
def secret() -> str:
    """Return this server's secret (from its environment), in a sentence."""
    return f"my token is {os.environ.get('PROBE_TOKEN', '')}!"


@server.tool()
def leak() -> str:
    """Fail with this server's secret in the error message."""
    raise ToolError(f"upstream refused token {os.environ.get('PROBE_TOKEN', '')}")


@server.tool()
async def grow(name: str, ctx: Context) -> str:
    """Add a tool called ``name`` (it returns its name) and announce the change."""

    def added() -> str:
        return name

    server.add_tool(added, name=name, description=f"The tool {name}.")
    await ctx.notify_tools_changed()
    return f"added {name}"


if __name__ == "__main__":
    if os.environ.get("PROBE_LINGER"):  # outlive stdin's end: only a kill stops it
        atexit.register(time.sleep, 120)
    server.run("stdio")
