"""The SDK transport for a server config: stdio, streamable HTTP or legacy SSE.

The only place that reads a config's secrets (``env``, ``headers``): they go to the
server process or its HTTP requests, and nowhere else.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import IO, Any

from .config import HttpServer, StdioServer


async def open_transport(
    config: StdioServer | HttpServer, stack: AsyncExitStack, errlog: IO[str] | None
) -> Any:
    """A transport for ``mcp.Client`` (entered by it); resources it needs go on ``stack``."""
    if isinstance(config, StdioServer):
        from mcp.client.stdio import StdioServerParameters, stdio_client

        params = StdioServerParameters(
            command=config.command,
            args=list(config.args),
            env={k: v.get_secret_value() for k, v in config.env.items()},
            cwd=config.cwd,
        )
        return stdio_client(params, errlog=errlog) if errlog is not None else stdio_client(params)
    headers = {k: v.get_secret_value() for k, v in config.headers.items()}
    if config.type == "sse":
        from mcp.client.sse import sse_client

        return sse_client(config.url, headers=headers or None)
    import httpx2  # the SDK's HTTP client
    from mcp.client.streamable_http import streamable_http_client

    # the SDK's own defaults: 30 s to connect or write, 300 s to read a response stream
    client = httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30.0, read=300.0))
    http = await stack.enter_async_context(client)
    return streamable_http_client(config.url, http_client=http)
