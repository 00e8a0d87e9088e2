"""MCP server configuration: typed models, and the ``{"mcpServers": {...}}`` file.

Desktop assistants and IDEs keep their servers in a JSON file of this shape::

    {"mcpServers": {
        "time": {"command": "uvx", "args": ["mcp-server-time"], "env": {"TZ": "UTC"}},
        "docs": {"url": "https://example.com/mcp", "headers": {"Authorization": "Bearer ..."}}
    }}

so a user can point us at the file they already have. Keys we do not use (``disabled``
aside, which we honour) are ignored rather than refused, because those files carry
client-specific settings (``autoApprove``, ``alwaysAllow``...). Secrets (``env`` values,
``headers`` values) are ``SecretStr``: they never appear in a repr, an error or a
fingerprint, and only the transport reads them.

Nothing here imports the MCP SDK: configuration loads without it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    SecretStr,
    Tag,
    TypeAdapter,
    ValidationError,
)

from ..errors import ToolDefinitionError
from .names import server_identifier

#: Seconds a tool call may take unless the server's config says otherwise.
DEFAULT_CALL_TIMEOUT_S = 60.0


class _ServerBase(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    #: Seconds one tool call may take (``timeout`` in the file).
    timeout_s: float = Field(DEFAULT_CALL_TIMEOUT_S, gt=0, alias="timeout")
    #: A server listed but switched off, as some clients' files mark it.
    disabled: bool = False

    def secrets(self) -> list[str]:
        """The values that must never reach a program, a prompt or a log."""
        return []

    def fingerprint(self) -> str:
        """Identifies the server process this config starts (secrets included, hashed):
        two code modes with equal configs share one connection."""
        data = self.model_dump(mode="python", exclude={"disabled"})
        text = json.dumps(data, sort_keys=True, default=_reveal)
        return hashlib.sha256(text.encode()).hexdigest()


def _reveal(value: Any) -> Any:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    raise TypeError(type(value).__name__)


class StdioServer(_ServerBase):
    """A server the host starts as a child process and talks to over stdin/stdout."""

    type: Literal["stdio"] = "stdio"
    command: str = Field(min_length=1)
    args: tuple[str, ...] = ()
    #: Extra environment of the server process (over a minimal inherited one: PATH, HOME...).
    env: dict[str, SecretStr] = Field(default_factory=dict)
    cwd: str | None = None

    def secrets(self) -> list[str]:
        return [v.get_secret_value() for v in self.env.values()]

    def describe(self) -> str:
        """For the host's log only: the command, never the environment."""
        return f"stdio: {self.command}"


class HttpServer(_ServerBase):
    """A remote server over streamable HTTP (``sse``: the legacy SSE transport)."""

    type: Literal["http", "streamable-http", "streamableHttp", "sse"] = "http"
    url: str = Field(pattern=r"^https?://")
    headers: dict[str, SecretStr] = Field(default_factory=dict)

    def secrets(self) -> list[str]:
        return [v.get_secret_value() for v in self.headers.values()]

    def describe(self) -> str:
        """For the host's log only: the URL without its query or userinfo."""
        return f"{self.type}: {re.sub(r'//[^/@]*@', '//', self.url).split('?')[0]}"


def _kind(value: Any) -> str:
    """Which model a raw entry is: ``type`` when given, else by its keys."""
    if isinstance(value, BaseModel):
        return "stdio" if isinstance(value, StdioServer) else "http"
    if not isinstance(value, dict):
        return "stdio"  # validated as one: the error then says what is missing
    kind = value.get("type")
    if kind in ("http", "streamable-http", "streamableHttp", "sse"):
        return "http"
    if kind == "stdio" or "command" in value:
        return "stdio"
    return "http" if "url" in value else "stdio"


ServerConfig = Annotated[
    Annotated[StdioServer, Tag("stdio")] | Annotated[HttpServer, Tag("http")],
    Discriminator(_kind),
]

_SERVER: TypeAdapter[StdioServer | HttpServer] = TypeAdapter(ServerConfig)


def _problems(exc: ValidationError, server: str, limit: int = 5) -> str:
    """``server 'x': field: message`` lines; never the offending value (it may be a secret)."""
    parts = []
    for err in exc.errors()[:limit]:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("stdio", "http")]
        where = ".".join(loc) or "value"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return f"MCP server {server!r}: " + "; ".join(parts)


def server_config(name: str, value: Any) -> StdioServer | HttpServer:
    """One server's config from a model or a raw entry; ``ToolDefinitionError`` naming
    the server and the field when it is wrong."""
    if isinstance(value, (StdioServer, HttpServer)):
        return value
    try:
        return _SERVER.validate_python(value)
    except ValidationError as exc:
        raise ToolDefinitionError(_problems(exc, name)) from None


def parse_servers(value: Mapping[str, Any]) -> dict[str, StdioServer | HttpServer]:
    """``{name: config}`` (the file's ``mcpServers`` object, or models), checked: names
    must become distinct identifiers (``tools.<name>``), and disabled servers are left out."""
    if not isinstance(value, Mapping):
        raise ToolDefinitionError("mcpServers must be an object of server name -> config")
    servers: dict[str, StdioServer | HttpServer] = {}
    seen: dict[str, str] = {}
    for name, raw in value.items():
        if not isinstance(name, str) or not name.strip():
            raise ToolDefinitionError(f"MCP server name {name!r} must be a non-empty string")
        config = server_config(name, raw)
        ident = server_identifier(name)
        if ident in seen:
            raise ToolDefinitionError(
                f"MCP servers {seen[ident]!r} and {name!r} would both be tools.{ident}; "
                "rename one of them"
            )
        seen[ident] = name
        if not config.disabled:
            servers[ident] = config
    return servers


def load_mcp_config(source: str | Path | Mapping[str, Any]) -> dict[str, StdioServer | HttpServer]:
    """Servers from a config file (a path) or its parsed content (a mapping with an
    ``mcpServers`` object, or that object itself), keyed by their ``tools.<name>``."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ToolDefinitionError(
                f"cannot read the MCP config {path.name!r}: {exc.strerror}"
            ) from None
        except json.JSONDecodeError as exc:
            raise ToolDefinitionError(
                f"the MCP config {path.name!r} is not JSON: line {exc.lineno}: {exc.msg}"
            ) from None
    else:
        data = source
    if isinstance(data, Mapping) and "mcpServers" in data:
        data = data["mcpServers"]
    return parse_servers(data)
