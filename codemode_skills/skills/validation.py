"""Checks a skill must pass before anything is stored.

Everything that can be known without running the code is checked here and reported all
at once (a model fixes five problems in one round, not five rounds): the code compiles
under the sandbox's language policy, the schemas are valid JSON Schema, the name is not
reserved and does not shadow a tool, and the skills it calls exist.
"""

from __future__ import annotations

import ast
import keyword
from collections.abc import Collection
from typing import Any

from ..sandbox.policy.transformer import CompileFailed, compile_program
from ..tools.schema import schema_problems

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
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    return {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == namespace
    }


def content_problems(
    name: str,
    content: dict[str, Any],
    *,
    tool_names: Collection[str],
    existing_skills: Collection[str],
) -> list[str]:
    """Every reason ``content`` (the full content of a version) cannot be stored."""
    problems: list[str] = []
    if keyword.iskeyword(name) or name in RESERVED:
        problems.append(f"the name {name!r} is reserved")
    if name in tool_names:
        problems.append(f"the name {name!r} is already a tool's; pick another")
    try:
        compile_program(content["code"])
    except CompileFailed as exc:
        at = f" (line {exc.error.line})" if exc.error.line else ""
        problems.append(f"code does not compile: {exc.error.type}: {exc.error.message}{at}")
    input_schema = content.get("input_schema")
    problems += schema_problems(input_schema, "input_schema")
    if isinstance(input_schema, dict) and input_schema.get("type", "object") != "object":
        problems.append("input_schema must describe an object (skills take keyword arguments)")
    problems += schema_problems(content.get("output_schema", {}), "output_schema")
    calls = called_skills(content["code"])
    if name in calls:
        problems.append("the code calls the skill itself (recursion is refused as a cycle)")
    wanted = (calls | set(content.get("depends_on") or [])) - {name}
    missing = sorted(wanted - set(existing_skills))
    if missing:
        problems.append("calls or depends on unknown skills: " + ", ".join(missing))
    return problems
