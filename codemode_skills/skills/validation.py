"""Checks a skill must pass before anything is stored.

Everything that can be known without running the code is checked here and reported all
at once (a model fixes five problems in one round, not five rounds): the code compiles
under the sandbox's language policy, its characters read as they run, the schemas are
usable JSON Schema (self-contained, bounded, linear-time patterns), the name is not
reserved and does not shadow a tool, and the skills it calls exist.

The code and the schemas are the model's, so the checks are host work a model controls.
``check_content`` does all of it on a thread (the event loop keeps serving other
tenants) and under the size rule of execution: the host compiles programs up to the
``ProgramCache``'s ``host_max_bytes`` (16 KB); a skill whose code is larger is refused
here, because the host would not compile it and registration promises that it does.
Deep nesting gives a registration problem, never a ``RecursionError``.
"""

from __future__ import annotations

import ast
import asyncio
import functools
import keyword
from collections.abc import Awaitable, Callable, Collection, Iterable
from typing import Any

from ..errors import SkillValidationError
from ..sandbox.policy.transformer import CompileFailed, compile_program
from ..sandbox.programs import HOST_MAX_BYTES, ProgramCache
from ..tools.schema import schema_problems
from .display import code_characters

#: Names a skill cannot take: the execute tool, the management tools, sandbox globals.
RESERVED = frozenset(
    {
        "execute_python",
        "register_skill",
        "search_skills",
        "get_skill",
        "update_skill",
        "tools",
        "skills",
        "input",
    }
)


def called_skills(code: str) -> set[str]:
    """Names used as ``skills.<name>`` in ``code`` (its real dependencies)."""
    return called_names(code, "skills")


def called_tools(code: str) -> set[str]:
    """Names used as ``tools.<name>`` in ``code`` (whose scopes a skill inherits)."""
    return called_names(code, "tools")


def called_names(code: str, namespace: str) -> set[str]:
    """``namespace.<name>`` attributes in ``code``; empty when it does not parse (too
    deep to parse is the same: the sandbox's compiler refuses it too)."""
    return set(_called_names(code, namespace))


@functools.lru_cache(maxsize=256)
def _called_names(code: str, namespace: str) -> frozenset[str]:
    # Cached: the scope check reads a skill's tools before every call, on the event
    # loop, and parsing is proportional to the code.
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return frozenset()
    return frozenset(
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == namespace
    )


def code_problems(code: str, *, host_max_bytes: int = HOST_MAX_BYTES) -> list[str]:
    """Why ``code`` cannot be stored: its characters, its size, or its compile under the
    policy. Host work proportional to the code: call it off the event loop."""
    problems = code_characters(code)
    if len(code) > host_max_bytes:
        problems.append(
            f"code is {len(code)} characters; skill code may have at most {host_max_bytes} "
            "(the host compiles and checks it): split it into smaller skills"
        )
        return problems
    try:
        compile_program(code)
    except CompileFailed as exc:
        at = f" (line {exc.error.line})" if exc.error.line else ""
        problems.append(f"code does not compile: {exc.error.type}: {exc.error.message}{at}")
    except (RecursionError, MemoryError):
        problems.append("code does not compile: it is nested too deeply")
    return problems


def content_problems(
    name: str,
    content: dict[str, Any],
    *,
    tool_names: Collection[str],
    existing_skills: Collection[str] | None = None,
    host_max_bytes: int = HOST_MAX_BYTES,
) -> list[str]:
    """Every reason ``content`` (the full content of a version) cannot be stored.
    ``existing_skills`` None: the skills it calls are not checked here."""
    problems, calls = _problems(name, content, tool_names, host_max_bytes)
    if existing_skills is not None:
        problems += _missing(wanted_skills(name, content, calls), existing_skills)
    return problems


def _problems(
    name: str, content: dict[str, Any], tool_names: Collection[str], host_max_bytes: int
) -> tuple[list[str], set[str]]:
    """(the problems, the skills the code calls)."""
    problems: list[str] = []
    if keyword.iskeyword(name) or name in RESERVED:
        problems.append(f"the name {name!r} is reserved")
    if name in tool_names:
        problems.append(f"the name {name!r} is already a tool's; pick another")
    problems += code_problems(content["code"], host_max_bytes=host_max_bytes)
    input_schema = content.get("input_schema")
    problems += schema_problems(input_schema, "input_schema")
    if isinstance(input_schema, dict) and input_schema.get("type", "object") != "object":
        problems.append("input_schema must describe an object (skills take keyword arguments)")
    problems += schema_problems(content.get("output_schema", {}), "output_schema")
    # code over the host's compile cap is refused above, and not parsed on the host either
    calls = called_skills(content["code"]) if len(content["code"]) <= host_max_bytes else set()
    if name in calls:
        problems.append("the code calls the skill itself (recursion is refused as a cycle)")
    return problems, calls


def wanted_skills(name: str, content: dict[str, Any], calls: set[str]) -> set[str]:
    """The skills ``content`` calls or declares, itself excluded: its ``depends_on``."""
    return (calls | set(content.get("depends_on") or [])) - {name}


def _missing(wanted: Iterable[str], existing: Collection[str]) -> list[str]:
    missing = sorted(set(wanted) - set(existing))
    return ["calls or depends on unknown skills: " + ", ".join(missing)] if missing else []


async def check_content(
    name: str,
    content: dict[str, Any],
    *,
    tool_names: Collection[str],
    existing: Callable[[list[str]], Awaitable[Collection[str]]],
    programs: ProgramCache | None = None,
) -> list[str]:
    """Check ``content`` off the event loop; return its full ``depends_on`` (sorted) or
    raise ``SkillValidationError`` with every problem. ``existing(names)`` answers which
    of ``names`` are stored skills; ``programs`` (the driver's cache) sets the size rule."""
    limit = programs.host_max_bytes if programs is not None else HOST_MAX_BYTES
    tools = frozenset(tool_names)

    problems, calls = await asyncio.to_thread(_problems, name, content, tools, limit)
    wanted = wanted_skills(name, content, calls)
    problems += _missing(wanted, await existing(sorted(wanted)))
    if problems:
        raise SkillValidationError(
            f"skill {name!r} was not saved: " + "; ".join(problems), problems
        )
    return sorted(wanted)
