"""The model-facing side of skills: management tools, skills as tools, prompt stubs.

The management tools follow TanStack's vocabulary (``register_skill``,
``search_skills``, ``get_skill``) plus ``update_skill``. A refused registration raises
``ToolValidationError`` listing every problem at once, and stores nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from ..errors import SkillError, SkillValidationError, ToolError, ToolValidationError
from ..records import NAME_PATTERN, Skill, SkillChanges, SkillSpec
from ..tools.stubs import render_stubs
from ..tools.tool import Tool
from .calls import CallContext

if TYPE_CHECKING:
    from .manager import SkillManager


class RegisterSkillInput(SkillSpec):
    """``register_skill``'s input: a ``SkillSpec`` (one source of the fields) plus an
    example to test-run."""

    test_input: dict[str, Any] | None = Field(
        default=None,
        description="An example input: the code runs on it first and nothing is saved if it fails.",
    )


class UpdateSkillInput(SkillChanges):
    """``update_skill``'s input: the ``SkillChanges`` plus which skill, why, and checks."""

    name: str = Field(pattern=NAME_PATTERN)
    note: str | None = Field(default=None, description="Why this version (kept in history).")
    test_input: dict[str, Any] | None = None
    expected_version: int | None = Field(
        default=None, description="Refuse the update if the skill is no longer at this version."
    )


class SearchSkillsInput(BaseModel):
    query: str = Field(description="What you need, in words.")
    limit: int = Field(default=5, ge=1, le=20)


class GetSkillInput(BaseModel):
    name: str = Field(pattern=NAME_PATTERN)
    version: int | None = Field(default=None, description="An older version (default: current).")


def _call_as(skill: Skill) -> str:
    return f"await skills.{skill.name}(...)"


def skill_details(skill: Skill) -> dict[str, Any]:
    """Everything a model needs to use or improve a skill."""
    stats = skill.stats
    return {
        **skill.summary(),
        "code": skill.code,
        "input_schema": skill.input_schema,
        "output_schema": skill.output_schema,
        "usage_hints": skill.usage_hints,
        "depends_on": skill.depends_on,
        "recent_success_rate": stats.recent_success_rate,
        "last_error": stats.last_error,
        "call_as": _call_as(skill),
    }


def management_tools(manager: SkillManager) -> list[Tool]:
    author = manager.context.caller

    async def register_skill(args: RegisterSkillInput) -> dict[str, Any]:
        fields = args.model_dump(exclude={"test_input"})
        try:
            skill = await manager.register(fields, author=author, test_input=args.test_input)
        except SkillValidationError as exc:
            raise ToolValidationError(str(exc)) from None
        except SkillError as exc:
            raise ToolError(str(exc)) from None
        return {**skill.summary(), "call_as": _call_as(skill)}

    async def update_skill(args: UpdateSkillInput) -> dict[str, Any]:
        changes = args.model_dump(
            exclude={"name", "note", "test_input", "expected_version"}, exclude_none=True
        )
        try:
            skill = await manager.update(
                args.name, changes, author=author, note=args.note, test_input=args.test_input,
                expected_version=args.expected_version,
            )  # fmt: skip
        except SkillValidationError as exc:
            raise ToolValidationError(str(exc)) from None
        except SkillError as exc:
            raise ToolError(str(exc)) from None
        return {**skill.summary(), "call_as": _call_as(skill)}

    async def search_skills(args: SearchSkillsInput) -> list[dict[str, Any]]:
        hits = await manager.search(args.query, limit=args.limit)
        found = []
        for hit in hits:
            skill = hit.skill
            found.append({**skill.summary(), "score": round(hit.score, 3),
                          "input_schema": skill.input_schema, "usage_hints": skill.usage_hints,
                          "call_as": _call_as(skill)})  # fmt: skip
        return found

    async def get_skill(args: GetSkillInput) -> dict[str, Any]:
        try:
            skill = await manager.get(args.name)
            if args.version is not None and args.version != skill.version:
                old = await manager.get_version(args.name, args.version)
                return {**skill_details(skill), **old.model_dump(mode="json"), "current": False}
        except SkillError as exc:
            raise ToolError(str(exc)) from None
        return skill_details(skill)

    return [
        Tool(name="register_skill", fn=register_skill, input_model=RegisterSkillInput,
             description="Save a program that worked as a reusable, typed skill. It is "
             "validated (and run on test_input if given) before anything is stored."),
        Tool(name="search_skills", fn=search_skills, input_model=SearchSkillsInput,
             description="Find saved skills relevant to a task, best first."),
        Tool(name="get_skill", fn=get_skill, input_model=GetSkillInput,
             description="A skill's code, schemas, version and track record."),
        Tool(name="update_skill", fn=update_skill, input_model=UpdateSkillInput,
             description="Save a new version of a skill (history is kept; trust restarts)."),
    ]  # fmt: skip


def skill_tool(manager: SkillManager, skill: Skill, context: CallContext) -> Tool:
    """A skill as a tool of its own name (runs through ``SkillManager.call``)."""
    name = skill.name

    async def run(args: dict[str, Any]) -> Any:
        try:
            return await manager.call(name, args, context=context)
        except SkillError as exc:
            raise ToolError(str(exc)) from None

    return Tool.from_schema(
        name=name,
        description=f"{skill.description}\n(skill v{skill.version}, {skill.trust.value})",
        fn=run,
        input_schema=skill.input_schema,
        output_schema=skill.output_schema or None,
    )


def skills_prompt(skills: Iterable[Skill]) -> str:
    """Prompt section with Python stubs of ``skills`` under the ``skills`` namespace."""
    entries = [(s.name, s.description, s.input_schema, s.output_schema or None) for s in skills]
    if not entries:
        return ""
    return (
        "Saved skills (call them as `await skills.<name>(...)`):\n\n```python\n"
        + render_stubs(entries).strip()
        + "\n```\n"
    )
