"""MCP names made Python identifiers: ``tools.<server>.<tool>``.

MCP tool names may hold ``-``, ``.`` or ``/`` and be up to 128 characters; a program
calls them as attributes. The host and the wire join the two parts with the jail's
``NESTED`` separator (``time__get_current_time``), so neither part may contain it: runs
of underscores collapse to one, and neither part starts or ends with one (the policy
refuses ``_`` names, and a trailing ``_`` next to ``__`` would move the boundary).
Two names that become the same identifier are never merged or dropped: the later one
gets a numbered suffix and the change is reported.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable

from ..sandbox.jail.policy.namespace import NESTED

#: Characters of one part, at most (the stub shows the full MCP name in any case).
MAX_PART = 64


def _part(text: str, fallback: str) -> str:
    ident = re.sub(r"[^0-9A-Za-z]+", "_", text).strip("_")[:MAX_PART].strip("_")
    if not ident:
        ident = fallback
    if ident[0].isdigit():
        ident = f"{fallback}_{ident}"[:MAX_PART]
    if keyword.iskeyword(ident):
        ident = f"{ident}_{fallback}"
    return ident


def server_identifier(name: str) -> str:
    """``tools.<this>``: ``"my-server"`` -> ``my_server``."""
    return _part(name, "server")


def tool_identifiers(names: Iterable[str]) -> tuple[dict[str, str], list[str]]:
    """(MCP tool name -> identifier, one line per renaming the model should know of).

    Order matters: a tool keeps its identifier unless an earlier one took it first."""
    taken: set[str] = set()
    mapping: dict[str, str] = {}
    notes: list[str] = []
    for name in names:
        base = _part(name, "tool")
        ident, n = base, 1
        while ident in taken:
            n += 1
            ident = f"{base}_{n}"
        taken.add(ident)
        mapping[name] = ident
        if ident != base:
            clash = next(k for k, v in mapping.items() if v == base)
            notes.append(f"{ident} is the MCP tool {name!r} ({base} is {clash!r})")
    return mapping, notes


def flat_name(server: str, tool: str) -> str:
    """The host's and the wire's name of ``tools.<server>.<tool>``."""
    return f"{server}{NESTED}{tool}"
