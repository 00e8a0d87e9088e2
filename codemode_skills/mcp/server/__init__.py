"""codemode-skills as an MCP server: the sandbox and one tenant's skill library for any
MCP client (desktop assistants, IDEs, other agents).

``codemode-skills mcp serve`` (``cli/mcp.py``) builds a ``SkillsMcpServer`` and runs it over
stdio (the tenant comes from the command line) or streamable HTTP (the tenant and scopes
come from each request's bearer token). It is built on the session layer
(``code_mode_with_skills``, ``SkillToolset``), so it is its own layer unit above it
(``mcp_server``), not part of the ``mcp`` client package beside which it is filed.
Nothing here is imported by ``import codemode_skills``; it needs the ``mcp`` extra.
"""

from __future__ import annotations

from .app import SkillsMcpServer
from .auth import RevocationList, ScopedTokenVerifier
from .scopes import ALL_SCOPES, EXECUTE, READ, RUN, WRITE
from .transports import serve_http, serve_stdio

__all__ = [
    "ALL_SCOPES",
    "EXECUTE",
    "READ",
    "RUN",
    "WRITE",
    "RevocationList",
    "ScopedTokenVerifier",
    "SkillsMcpServer",
    "serve_http",
    "serve_stdio",
]
