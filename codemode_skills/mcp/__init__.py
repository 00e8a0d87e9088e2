"""MCP servers as a source of tools: ``tools.<server>.<tool>(...)`` inside the sandbox.

Configuration (``config``) loads without the MCP SDK; connections (``connection``,
``pool``) import it when a server starts, so ``import codemode_skills`` (and this
package) never loads ``mcp``. Install it with the ``mcp`` extra.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .config import HttpServer, StdioServer, load_mcp_config

if TYPE_CHECKING:
    from .servers import McpServers

_LAZY = {"McpServers": ".servers"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


__all__ = ["HttpServer", "McpServers", "StdioServer", "load_mcp_config"]
