"""``McpTool``: one MCP server tool as the bridge calls it (a ``CallTarget``).

The call is checked against the tool's ``inputSchema`` on the host, on the schema pool,
before anything goes to the server: a program's bad call is a ``ToolValidationError``
naming the field, and the server never sees it. The result becomes the program's value
(``results.decode_result``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import ToolValidationError
from ..tools.schema import SchemaValidator, schema_problems
from ..tools.tool import bind_positional
from .connection import Connection, RemoteTool
from .results import decode_result

#: Root ``$schema`` values servers send that we read as 2020-12: the keywords tool
#: schemas use (properties, required, enum, $ref into definitions/$defs...) mean the same.
_OLDER_DIALECTS = (
    "http://json-schema.org/draft-07/schema",
    "http://json-schema.org/draft-06/schema",
    "http://json-schema.org/draft-04/schema",
    "https://json-schema.org/draft/2019-09/schema",
)


def normalized(schema: dict[str, Any] | None) -> dict[str, Any] | None:
    """A server's schema as our validator takes it: an older root ``$schema`` dropped."""
    if not schema:
        return None
    dialect = schema.get("$schema")
    if isinstance(dialect, str) and dialect.rstrip("#") in _OLDER_DIALECTS:
        schema = {k: v for k, v in schema.items() if k != "$schema"}
    return schema


class McpTool:
    """``tools.<server>.<tool>``: validated on the host, called on the server."""

    inline = False  # a network round trip: never answered from the socket callback
    scopes: frozenset[str] = frozenset()

    def __init__(
        self, connection: Connection, remote: RemoteTool, server: str, ident: str, flat: str
    ) -> None:
        self.connection = connection
        self.remote = remote.name
        self.name = flat
        self.label = f"{server}.{ident}"
        self.input_schema = normalized(remote.input_schema) or {"type": "object"}
        self.output_schema = normalized(remote.output_schema)
        note = f"(MCP tool {remote.name!r})" if remote.name != ident else ""
        self.description = f"{remote.description}\n\n{note}".strip()
        self._input = SchemaValidator(self.input_schema)

    def problems(self) -> list[str]:
        """Why this tool's schemas cannot be used (empty: they can)."""
        found = schema_problems(self.input_schema, "inputSchema")
        if self.output_schema is not None:
            found += schema_problems(self.output_schema, "outputSchema")
        return found

    def stub_entry(self, ident: str) -> tuple[str, str, dict[str, Any], dict[str, Any] | None]:
        return (ident, self.description, self.input_schema, self.output_schema)

    def __repr__(self) -> str:
        return f"McpTool({self.label})"

    async def invoke(self, args: dict[str, Any], *, positional: Sequence[Any] = ()) -> Any:
        if positional:
            params = list(self.input_schema.get("properties", {}))
            args = bind_positional(self.label, args, params, positional)
        problems = await self._input.check(args)
        if problems:
            raise ToolValidationError(f"{self.label}(): invalid input: {problems}")
        result = await self.connection.call(self.remote, args, self.label)
        return decode_result(result, self.label, self.connection.redactor)
