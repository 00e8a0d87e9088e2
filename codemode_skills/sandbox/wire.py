"""The JSON-lines wire format between the host and a worker.

One JSON object per line, UTF-8. The host treats every line from a worker as hostile:
it is size-capped before parsing, parsed strictly (no NaN, no duplicate-key surprises
matter because only known fields are read) and checked field by field.
"""

from __future__ import annotations

import json
from typing import Any


class WireError(Exception):
    """A worker sent something that is not a well-formed message."""


def _reject_constant(name: str) -> Any:
    raise WireError(f"non-JSON constant {name}")


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


#: One encoder, built once: ``json.dumps`` with options builds a new one per call.
ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False)


def encode(message: dict[str, Any]) -> bytes:
    return ENCODER.encode(message).encode("utf-8") + b"\n"


def call_line(call_id: int, kind: str, name: str, args: dict[str, Any]) -> bytes:
    """A worker's call message (``kind`` and ``name`` are identifiers, safe verbatim)."""
    return (
        f'{{"op": "call", "id": {call_id}, "kind": "{kind}", "name": "{name}", '
        f'"args": {ENCODER.encode(args)}}}\n'
    ).encode()


def ok_line(call_id: int, value: Any, cpu: int = -1) -> bytes:
    """The host's reply to a successful call (``cpu``: where the host runs now)."""
    return (
        f'{{"op": "ret", "id": {call_id}, "ok": true, "cpu": {cpu}, '
        f'"value": {ENCODER.encode(value)}}}\n'
    ).encode()


def decode(line: bytes) -> dict[str, Any]:
    try:
        text = line.decode("utf-8")
        value, end = _DECODER.raw_decode(text)
    except (UnicodeDecodeError, ValueError) as exc:
        raise WireError(f"malformed message: {exc}") from None
    if end != len(text):
        raise WireError("trailing data after message")
    if not isinstance(value, dict) or not isinstance(value.get("op"), str):
        raise WireError("a message must be an object with an 'op'")
    return value


def field(message: dict[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    value = message.get(name)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise WireError(f"message field {name!r} is missing or has the wrong type")
    return value
