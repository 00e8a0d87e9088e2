"""What a client gets back: tool results, tool errors and MCP errors, never host detail.

A failing call is one of three things. A refusal the model can act on (bad arguments, a
skill that failed, a trust gate) is a tool result with ``isError`` and the library's own
message, written for a model. A request the client may not make (a missing scope, an
unknown tool) is an MCP error naming what is missing. Anything else (a storage fault, a
bug) is logged on the host with its traceback and reaches the client as "internal error"
with a reference to that log line: the SDK would otherwise send ``str(exc)``, which may
hold a host path.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from mcp.shared.exceptions import MCPError
from mcp_types import INTERNAL_ERROR, INVALID_PARAMS, INVALID_REQUEST, CallToolResult, TextContent

from ...errors import ToolError

log = logging.getLogger("codemode_skills.mcp.server")

#: The MCP error of a request the token's scopes do not cover (JSON-RPC "invalid request").
FORBIDDEN = INVALID_REQUEST


def text_result(value: Any, *, error: bool = False, structured: Any = None) -> CallToolResult:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return CallToolResult(
        content=[TextContent(type="text", text=text)],
        structured_content=structured,
        is_error=error,
    )


def tool_error(message: str) -> CallToolResult:
    return text_result(message, error=True)


def forbidden(message: str) -> MCPError:
    return MCPError(code=FORBIDDEN, message=message)


def unknown_tool(name: str) -> MCPError:
    return MCPError(code=INVALID_PARAMS, message=f"Unknown tool: {name}")


def internal(exc: BaseException, what: str) -> MCPError:
    """Log ``exc`` with its traceback on the host; the client gets a reference only."""
    ref = uuid.uuid4().hex[:12]
    log.error("%s failed (ref %s)", what, ref, exc_info=exc)
    return MCPError(code=INTERNAL_ERROR, message=f"internal error (ref {ref}); see the server log")


def model_facing(exc: ToolError) -> bool:
    """A ``ToolError`` the library wrote for a model, not ``Tool.invoke``'s wrapper of an
    unexpected exception (``x() failed: OSError: ...``), whose text may hold host detail."""
    cause = exc.__cause__
    return cause is None or isinstance(cause, ToolError)


@contextmanager
def guarded(what: str) -> Iterator[None]:
    """Run a handler: ``MCPError`` passes, anything unexpected becomes ``internal``."""
    try:
        yield
    except MCPError:
        raise
    except Exception as exc:
        raise internal(exc, what) from None
