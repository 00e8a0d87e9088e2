"""What a program receives from an MCP tool call.

- ``structuredContent`` when the server sent it (the SDK has checked it against the
  tool's ``outputSchema``);
- else the content: one part as its value, several as a list. Text is a ``str``; an
  image or audio part is ``{"type": "image"|"audio", "mime_type", "data"}`` (base64), an
  embedded resource ``{"type": "resource", "uri", "mime_type", "text"|"blob"}``, a
  resource link ``{"type": "resource_link", "uri", "name", "mime_type"}``. These are
  values of the program like any other: they reach the model only if it prints or
  returns them;
- ``isError: true``: a ``ToolError`` with the server's text.

Every string the server sends passes ``Redactor``: a server that echoes a secret of its
own configuration (an API key in an error message) does not hand it to the program.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..errors import ToolError

#: Characters of a server's error text a program receives, at most.
MAX_ERROR_CHARS = 2000
#: Secrets shorter than this are not searched for (a one-letter value would mangle text).
MIN_SECRET_CHARS = 6
REDACTED = "[redacted]"


class Redactor:
    """Replaces a server's configured secrets in whatever it sends back."""

    def __init__(self, secrets: Iterable[str]) -> None:
        found = {s for s in secrets if isinstance(s, str) and len(s) >= MIN_SECRET_CHARS}
        self._secrets = sorted(found, key=len, reverse=True)  # the longest first

    def __bool__(self) -> bool:
        return bool(self._secrets)

    def text(self, value: str) -> str:
        for secret in self._secrets:
            if secret in value:
                value = value.replace(secret, REDACTED)
        return value

    def value(self, value: Any) -> Any:
        """``value`` with every string (keys too) redacted; returned as is without secrets."""
        if not self._secrets:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, dict):
            return {self.text(str(k)): self.value(v) for k, v in value.items()}
        return value


def _part(part: Any) -> Any:
    kind = getattr(part, "type", None)
    if kind == "text":
        return part.text
    if kind in ("image", "audio"):
        return {"type": kind, "mime_type": part.mime_type, "data": part.data}
    if kind == "resource_link":
        return {
            "type": "resource_link",
            "uri": str(part.uri),
            "name": part.name,
            "mime_type": part.mime_type,
        }
    if kind == "resource":
        resource = part.resource
        out = {"type": "resource", "uri": str(resource.uri), "mime_type": resource.mime_type}
        if getattr(resource, "text", None) is not None:
            out["text"] = resource.text
        else:
            out["blob"] = getattr(resource, "blob", None)
        return out
    dump = getattr(part, "model_dump", None)  # a content type newer than this code
    return dump(mode="json", by_alias=True, exclude_none=True) if dump else str(part)


def error_text(result: Any, label: str, redactor: Redactor) -> str:
    """The message of an ``isError`` result, as the program's ``ToolError`` carries it."""
    texts = [p.text for p in result.content or () if getattr(p, "type", None) == "text"]
    text = redactor.text(" ".join(texts).strip()) or "the server reported an error"
    if len(text) > MAX_ERROR_CHARS:
        text = text[: MAX_ERROR_CHARS - 3] + "..."
    return f"{label}() failed: {text}"


def decode_result(result: Any, label: str, redactor: Redactor) -> Any:
    """A ``CallToolResult`` as the program's value (``ToolError`` for ``isError``)."""
    if result.is_error:
        raise ToolError(error_text(result, label, redactor))
    if result.structured_content is not None:
        return redactor.value(result.structured_content)
    parts = [_part(p) for p in result.content or ()]
    if not parts:
        return None
    return redactor.value(parts[0] if len(parts) == 1 else parts)
