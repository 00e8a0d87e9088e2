"""Running a ``SkillsMcpServer``: over stdio, or over streamable HTTP with bearer tokens.

Over HTTP every request must carry ``Authorization: Bearer <token>``: the SDK's
authentication middleware asks ``ScopedTokenVerifier`` and answers 401 (with a
``WWW-Authenticate`` header) for a missing, malformed, foreign, expired or revoked token
before any MCP message is read. Bound to a loopback address, the SDK also refuses
requests whose ``Host``/``Origin`` is not local (DNS rebinding).
"""

from __future__ import annotations

from mcp.server.auth.settings import AuthSettings
from starlette.applications import Starlette

from .app import SkillsMcpServer
from .auth import ScopedTokenVerifier

#: The path of the streamable-HTTP endpoint.
HTTP_PATH = "/mcp"


async def serve_stdio(server: SkillsMcpServer) -> None:
    """Serve one client on stdin/stdout until it closes them (logs go to stderr)."""
    from mcp.server.stdio import stdio_server

    await server.start()
    try:
        async with stdio_server() as (read, write):
            await server.server.run(read, write, server.server.create_initialization_options())
    finally:
        await server.close()


def http_app(
    server: SkillsMcpServer, verifier: ScopedTokenVerifier, host: str, port: int
) -> Starlette:
    """The ASGI app: ``/mcp``, bearer tokens required."""
    auth = AuthSettings(issuer_url=f"http://{host}:{port}", resource_server_url=None)
    return server.server.streamable_http_app(
        streamable_http_path=HTTP_PATH, host=host, auth=auth, token_verifier=verifier
    )


async def serve_http(
    server: SkillsMcpServer, verifier: ScopedTokenVerifier, host: str, port: int
) -> None:
    """Serve streamable HTTP on ``host:port`` until SIGINT/SIGTERM."""
    import uvicorn

    app = http_app(server, verifier, host, port)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
    await server.start()
    try:
        await uvicorn.Server(config).serve()
    finally:
        await server.close()
