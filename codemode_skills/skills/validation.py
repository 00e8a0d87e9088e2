"""Checks a skill must pass before anything is stored.

Everything that can be known without running the code is checked here and reported all
at once (a model fixes five problems in one round, not five rounds): the code compiles
under the sandbox's language policy, its characters read as they run, the schemas are
usable JSON Schema (self-contained, bounded, linear-time patterns), the name is not
reserved and does not shadow a tool, and the skills it calls exist.

The code and the schemas are the model's, so the checks are host work a model controls.
``check_content`` follows the ``ProgramCache``'s rules of execution: up to
``inline_bytes`` (2 KB) the checks run on the event loop, above it on a thread (the loop
keeps serving other tenants), and the compile goes through the cache, so the test run
and the first calls reuse it. A skill whose code is over ``host_max_bytes`` (16 KB) is
refused, because the host would not compile it and registration promises that it does.
Deep nesting gives a registration problem, never a ``RecursionError``.
"""

from __future__ import annotations

import ast
import asyncio
import functools
import json
import keyword
from collections.abc import Awaitable, Callable, Collection
from typing import Any

from ..codemode import EXECUTE_TOOL_NAME
from ..errors import SkillValidationError
from ..records.display import code_characters
from ..sandbox.jail.policy.names import ALWAYS_DENIED
from ..sandbox.jail.policy.transformer import CompileFailed
from ..sandbox.programs import ProgramCache
from ..tools.schema import schema_problems

#: The model-facing management tools (``toolset.py`` builds them under these names).
REGISTER_SKILL = "register_skill"
SEARCH_SKILLS = "search_skills"
GET_SKILL = "get_skill"
UPDATE_SKILL = "update_skill"
#: What a program sees besides builtins: the two namespaces and a skill's input.
PROGRAM_GLOBALS = ("tools", "skills", "input")
#: Names a skill cannot take: the execute tool, the management tools, program globals.
RESERVED = frozenset(
    {EXECUTE_TOOL_NAME, REGISTER_SKILL, SEARCH_SKILLS, GET_SKILL, UPDATE_SKILL, *PROGRAM_GLOBALS}
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
    except (SyntaxError, ValueError, RecursionError, MemoryError, SystemError):
        # (CPython 3.11 can report a tree too deep for the AST constructor as SystemError)
        return frozenset()
    return frozenset(
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == namespace
    )


@functools.lru_cache(maxsize=256)
def called_server_tools(code: str) -> frozenset[tuple[str, str]]:
    """``tools.<server>.<tool>(...)`` calls in ``code``: the MCP servers' tools a skill
    uses (read from its stored code whenever it runs, so the answer is the version's)."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError, SystemError):
        return frozenset()
    return frozenset(
        (node.func.value.attr, node.func.attr)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Attribute)
        and isinstance(node.func.value.value, ast.Name)
        and node.func.value.value.id == "tools"
    )


@functools.lru_cache(maxsize=256)
def refused_attributes(code: str) -> tuple[str, ...]:
    """The attributes ``code`` names that the sandbox always refuses, with their lines.

    A program may mention one on a line that never runs (the sandbox refuses the access
    when it runs, as CPython would raise there); a *skill* is code kept for others to run
    and for a reviewer to read, so registration refuses it up front instead of storing a
    skill that fails on that line for every caller."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError, SystemError):
        return ()  # the compile check reports it
    found = {
        (node.lineno, node.attr)
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in ALWAYS_DENIED
    }
    return tuple(f"{attr!r} (line {line})" for line, attr in sorted(found))


def _problems(
    name: str, content: dict[str, Any], tool_names: Collection[str], host_max_bytes: int
) -> tuple[list[str], set[str]]:
    """(the problems short of compiling, the skills the code calls)."""
    problems: list[str] = []
    if keyword.iskeyword(name) or name in RESERVED:
        problems.append(f"the name {name!r} is reserved")
    if name in tool_names:
        problems.append(f"the name {name!r} is already a tool's; pick another")
    code = content["code"]
    problems += code_characters(code)
    if len(code) > host_max_bytes:
        problems.append(
            f"code is {len(code)} characters; skill code may have at most {host_max_bytes} "
            "(the host compiles and checks it): split it into smaller skills"
        )
    input_schema = content.get("input_schema")
    problems += schema_problems(input_schema, "input_schema")
    if isinstance(input_schema, dict) and input_schema.get("type", "object") != "object":
        problems.append("input_schema must describe an object (skills take keyword arguments)")
    problems += schema_problems(content.get("output_schema", {}), "output_schema")
    # code over the host's compile cap is refused above, and not parsed on the host either
    calls = called_skills(code) if len(code) <= host_max_bytes else set()
    if name in calls:
        problems.append("the code calls the skill itself (recursion is refused as a cycle)")
    refused = refused_attributes(code) if len(code) <= host_max_bytes else ()
    if refused:
        problems.append("the code uses attributes the sandbox refuses: " + ", ".join(refused))
    return problems, calls


async def _compile_problems(
    code: str, programs: ProgramCache, tenant: str | None, isolated: bool
) -> list[str]:
    """Why ``code`` does not compile under the policy. Through ``programs`` (the driver's
    cache: on the loop up to its inline size, else on a thread), keyed like the runs of
    ``tenant`` (and compiled as the driver compiles: ``isolated``) so the test run and
    the first calls find the compiled program."""
    try:
        await programs.get(code, restricted=True, tenant=tenant, isolated=isolated)
    except CompileFailed as exc:
        at = f" (line {exc.error.line})" if exc.error.line else ""
        return [f"code does not compile: {exc.error.type}: {exc.error.message}{at}"]
    return []


def _size(content: dict[str, Any]) -> int:
    """How much text the checks read: the code and the schemas."""
    try:
        schemas = json.dumps([content.get("input_schema"), content.get("output_schema")])
    except (TypeError, ValueError, RecursionError):
        return 1 << 30  # not plain JSON, or nested too deeply: checked off the loop
    return len(content["code"]) + len(schemas)


def wanted_skills(name: str, content: dict[str, Any], calls: set[str]) -> set[str]:
    """The skills ``content`` calls or declares, itself excluded: its ``depends_on``."""
    return (calls | set(content.get("depends_on") or [])) - {name}


async def check_content(
    name: str,
    content: dict[str, Any],
    *,
    tool_names: Collection[str],
    existing: Callable[[list[str]], Awaitable[Collection[str]]],
    programs: ProgramCache,
    tenant: str | None,
    isolated: bool = False,
) -> list[str]:
    """Check ``content`` (the full content of a version); return its full ``depends_on``
    (sorted) or raise ``SkillValidationError`` with every problem. ``existing(names)``
    answers which of ``names`` are stored skills; ``programs`` compiles (and sets the
    size rules); ``tenant`` is whom the compile is cached for; ``isolated``: compile as
    the driver does (``SubprocessDriver.native_stores``)."""
    tools = frozenset(tool_names)
    limit = programs.host_max_bytes
    if _size(content) <= programs.inline_bytes:
        problems, calls = _problems(name, content, tools, limit)
    else:
        problems, calls = await asyncio.to_thread(_problems, name, content, tools, limit)
    if len(content["code"]) <= limit:
        problems += await _compile_problems(content["code"], programs, tenant, isolated)
    wanted = wanted_skills(name, content, calls)
    missing = sorted(wanted - set(await existing(sorted(wanted))))
    if missing:
        problems.append("calls or depends on unknown skills: " + ", ".join(missing))
    if problems:
        raise SkillValidationError(
            f"skill {name!r} was not saved: " + "; ".join(problems), problems
        )
    return sorted(wanted)
