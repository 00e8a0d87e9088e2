"""``SkillToolset``: the model-facing side of skills, for one caller.

Like a pydantic-ai toolset, one object owns which tools a model sees, how they are
called and what the prompt says about them: ``execute_python`` with ``skills.*``
available, the management tools (TanStack's ``register_skill``, ``search_skills``,
``get_skill``, plus ``update_skill``), the skills themselves as tools of their own
names, ``resolve`` for a skill name the model calls that nobody listed, and the prompt
section. A refused registration raises ``ToolValidationError`` listing every problem at
once, and stores nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, Field

from ..codemode import stub_block
from ..errors import SkillError
from ..records import NAME_PATTERN, Skill, SkillChanges, SkillSpec
from ..sandbox.result import ExecutionResult
from ..tools.tool import Tool
from .calls import Caller, tool_errors
from .manager import SkillManager
from .targets import SkillTarget
from .validation import GET_SKILL, REGISTER_SKILL, SEARCH_SKILLS, UPDATE_SKILL

SKILLS_RULES = """
Saved skills: `await skills.<name>(**input)` runs any saved skill of this workspace (the
most relevant are listed below; `search_skills` finds others, `get_skill` shows one's
code). When a program works and the task may come back, save it with `register_skill`
(give a JSON Schema of its input and a `test_input`); improve one with `update_skill`.
"""

#: What the execute tool's description adds when skills are on.
EXECUTE_NOTE = "Saved skills are `await skills.<name>(...)`."


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


class SkillToolset:
    """The tools and prompt section of ``manager``'s skills, for ``caller`` (default:
    the manager's ``context``). Every call acts as ``caller``; edits name its ``caller``
    as their author. Build one per session; the tools are built once."""

    def __init__(self, manager: SkillManager, caller: Caller | None = None) -> None:
        self.manager = manager
        self.caller = caller or manager.context
        #: ``execute_python``, its programs able to call ``skills.<name>()``.
        self.execute_tool: Tool = manager.code_mode.execute_tool(run=self._run, note=EXECUTE_NOTE)
        #: ``register_skill``, ``search_skills``, ``get_skill``, ``update_skill``.
        self.management_tools: list[Tool] = self._management_tools()

    async def _run(self, code: str) -> ExecutionResult:
        return await self.manager.execute(code, context=self.caller)

    def skill_tools(self, skills: Iterable[Skill]) -> list[SkillTarget]:
        """``skills`` as tools named after them (for the model to call directly)."""
        return [SkillTarget(self.manager.call, s.name, self.caller, s) for s in skills]

    async def resolve(self, name: str) -> SkillTarget | None:
        """A tool the model called that nobody listed: the tenant's skill of that name
        (registered during the run, or not selected), or None."""
        try:
            skill = await self.manager.get(name)
        except (SkillError, ValueError):
            return None
        return SkillTarget(self.manager.call, skill.name, self.caller, skill)

    def instructions(self, selected: Iterable[Skill] = ()) -> str:
        """The prompt section: how skills work, then stubs of the ``selected`` ones."""
        entries = [
            (s.name, s.description, s.input_schema, s.output_schema or None) for s in selected
        ]
        if not entries:
            return SKILLS_RULES
        heading = "Saved skills (call them as `await skills.<name>(...)`):"
        return SKILLS_RULES + "\n" + stub_block(heading, entries)

    def _management_tools(self) -> list[Tool]:
        manager, author = self.manager, self.caller.caller

        async def register_skill(args: RegisterSkillInput) -> dict[str, Any]:
            fields = args.model_dump(exclude={"test_input"})
            with tool_errors():
                skill = await manager.register(fields, author=author, test_input=args.test_input)
            return {**skill.summary(), "call_as": _call_as(skill)}

        async def update_skill(args: UpdateSkillInput) -> dict[str, Any]:
            changes = args.model_dump(
                exclude={"name", "note", "test_input", "expected_version"}, exclude_none=True
            )
            with tool_errors():
                skill = await manager.update(
                    args.name,
                    changes,
                    author=author,
                    note=args.note,
                    test_input=args.test_input,
                    expected_version=args.expected_version,
                )
            return {**skill.summary(), "call_as": _call_as(skill)}

        async def search_skills(args: SearchSkillsInput) -> list[dict[str, Any]]:
            hits = await manager.search(args.query, limit=args.limit)
            return [
                {
                    **hit.skill.summary(),
                    "score": round(hit.score, 3),
                    "input_schema": hit.skill.input_schema,
                    "usage_hints": hit.skill.usage_hints,
                    "call_as": _call_as(hit.skill),
                }
                for hit in hits
            ]

        async def get_skill(args: GetSkillInput) -> dict[str, Any]:
            with tool_errors():
                skill = await manager.get(args.name)
                if args.version is not None and args.version != skill.version:
                    old = await manager.get_version(args.name, args.version)
                    return {**skill_details(skill), **old.model_dump(mode="json"), "current": False}
            return skill_details(skill)

        return [
            Tool(
                name=REGISTER_SKILL,
                fn=register_skill,
                input_model=RegisterSkillInput,
                description="Save a program that worked as a reusable, typed skill. It is "
                "validated (and run on test_input if given) before anything is stored.",
            ),
            Tool(
                name=SEARCH_SKILLS,
                fn=search_skills,
                input_model=SearchSkillsInput,
                description="Find saved skills relevant to a task, best first.",
            ),
            Tool(
                name=GET_SKILL,
                fn=get_skill,
                input_model=GetSkillInput,
                description="A skill's code, schemas, version and track record.",
            ),
            Tool(
                name=UPDATE_SKILL,
                fn=update_skill,
                input_model=UpdateSkillInput,
                description="Save a new version of a skill (history is kept; trust restarts).",
            ),
        ]
