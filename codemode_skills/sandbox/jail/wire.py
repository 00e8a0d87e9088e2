"""The JSON-lines wire format between the host and a worker.

One JSON object per line, UTF-8. The host treats every line from a worker as hostile:
it is size-capped before parsing, parsed strictly (no NaN, no duplicate-key surprises
matter because only known fields are read) and checked field by field.
"""

from __future__ import annotations

import json
import re
from typing import Any

#: Key under which a program's positional arguments (``tools.x(1, 2)``) reach the host,
#: which names them after the tool's (or skill's) parameters.
POSITIONAL = "__args__"


class WireError(Exception):
    """A worker sent something that is not a well-formed message."""


def _reject_constant(name: str) -> Any:
    raise WireError(f"non-JSON constant {name}")


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


#: One encoder, built once: ``json.dumps`` with options builds a new one per call.
ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False)


def encode(message: dict[str, Any]) -> bytes:
    return ENCODER.encode(message).encode("utf-8") + b"\n"


def call_line(
    call_id: int, kind: str, name: str, args: dict[str, Any], token: str | None = None
) -> bytes:
    """A worker's call message. Every field is JSON-encoded: ``name`` comes from the
    program (``getattr(skills, '...')``), and pasting it verbatim let a program inject
    whole frames of its own (F03). The token is the execution's, sent back with every
    call."""
    auth = f', "token": {ENCODER.encode(token)}' if token else ""
    return (
        f'{{"op": "call", "id": {int(call_id)}, "kind": {ENCODER.encode(kind)}, '
        f'"name": {ENCODER.encode(name)}{auth}, "args": {ENCODER.encode(args)}}}\n'
    ).encode()


def ok_line(call_id: int, value: Any, cpu: int = -1) -> bytes:
    """The host's reply to a successful call (``cpu``: where the host runs now)."""
    return (
        f'{{"op": "ret", "id": {call_id}, "ok": true, "cpu": {cpu}, '
        f'"value": {ENCODER.encode(value)}}}\n'
    ).encode()


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_TOKEN = re.compile(r"[A-Za-z0-9_.\-]{1,8192}\Z")


def run_message(
    program: str | bytes,
    *,
    tools: list[str],
    skills: list[str],
    limits: tuple[int, int, int],
    memory_mb: int,
    cpu_s: int,
    restricted: bool,
    globals_: dict[str, Any] | None,
    token: str | None = None,
) -> bytes:
    """The host's run request: one line of numbers and names, then the program and the
    globals as raw bytes. ``program`` is source text, or (bytes) the ``marshal`` of the
    code the host compiled under the policy (``programs.ProgramCache``). It travels
    host -> worker only (the worker trusts its host, and never sends code back), and a
    worker reads it in a few splits instead of a JSON parse that runs cold right after the
    worker wakes up."""
    for name in (*tools, *skills):
        if not _IDENTIFIER.match(name):
            raise ValueError(f"not a tool or skill name: {name!r}")
    if token is not None and not _TOKEN.match(token):
        raise ValueError("an execution token must be base64url text")
    compiled = isinstance(program, bytes)
    body = program if isinstance(program, bytes) else program.encode("utf-8")
    extra = ENCODER.encode(globals_).encode("utf-8") if globals_ else b""
    head = " ".join(
        map(
            str,
            (
                "run",
                "m" if compiled else "s",
                len(body),
                len(extra),
                memory_mb,
                cpu_s,
                *limits,
                int(restricted),
                ",".join(tools) or "-",
                ",".join(skills) or "-",
                token or "-",
            ),
        )
    )
    return head.encode() + b"\n" + body + extra


def parse_run(buffer: bytes) -> tuple[dict[str, Any], bytes] | None:
    """Split one run request off ``buffer``: (request, rest), or None if incomplete."""
    end = buffer.find(b"\n")
    if end < 0:
        return None
    fields = buffer[:end].split(b" ")
    if len(fields) != 13 or fields[0] != b"run" or fields[1] not in (b"s", b"m"):
        raise WireError("malformed run request")
    code_len, extra_len = int(fields[2]), int(fields[3])
    start = end + 1
    if len(buffer) < start + code_len + extra_len:
        return None
    body = buffer[start : start + code_len]
    extra = buffer[start + code_len : start + code_len + extra_len]
    request = {
        # bytes: the marshalled code object; str: source for the worker to compile
        "code": body if fields[1] == b"m" else body.decode("utf-8"),
        "memory_mb": int(fields[4]),
        "cpu_s": int(fields[5]),
        "limits": (int(fields[6]), int(fields[7]), int(fields[8])),
        "restricted": fields[9] == b"1",
        "tools": [] if fields[10] == b"-" else fields[10].decode().split(","),
        "skills": [] if fields[11] == b"-" else fields[11].decode().split(","),
        "globals": json.loads(extra) if extra else None,
        "token": None if fields[12] == b"-" else fields[12].decode("ascii"),
    }
    return request, buffer[start + code_len + extra_len :]


def decode(line: bytes) -> dict[str, Any]:
    try:
        text = line.decode("utf-8")
        value, end = _DECODER.raw_decode(text)
    except (UnicodeDecodeError, ValueError) as exc:
        raise WireError(f"malformed message: {exc}") from None
    except RecursionError:  # a worker may nest a frame past the C decoder's limit
        raise WireError("malformed message: nested too deeply") from None
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
