"""A skill as something to call: by the bridge, by a model, through a registry.

``SkillTarget`` is the one callable per skill; ``LiveSkills`` is the bridge's table of
them. Both call ``SkillManager.call`` (given as ``call``), where the trust gate, the call
chain and the input and output checks apply, whichever path the call took.
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterator, Mapping, Sequence
from typing import Any, Protocol

from ..records import Skill
from .calls import Caller, tool_errors


class SkillCall(Protocol):
    """``SkillManager.call``'s shape."""

    def __call__(
        self,
        name: str,
        args: Mapping[str, Any] | None = None,
        *,
        context: Caller | None = None,
        positional: Sequence[Any] = (),
    ) -> Awaitable[Any]: ...


class SkillTarget:
    """One skill as something to call: what the bridge calls for ``skills.<name>(...)``,
    and what a model calls as a tool of the skill's name (``SkillToolset``).

    Its input and output are checked once, in ``SkillManager.call``; the scopes the skill
    inherits are checked there too, so ``scopes`` (what a registry's caller checks up
    front) is empty. ``skill``: the version shown to a model (name, description, schemas);
    the bridge's targets resolve a name without loading anything."""

    inline = False
    scopes: frozenset[str] = frozenset()

    def __init__(
        self, call: SkillCall, name: str, caller: Caller, skill: Skill | None = None
    ) -> None:
        self.name = name
        self.skill = skill
        self._call = call
        self._caller = caller

    def __repr__(self) -> str:
        return f"SkillTarget(name={self.name!r})"

    @property
    def description(self) -> str:
        if self.skill is None:
            return ""
        s = self.skill
        return f"{s.description}\n(skill v{s.version}, {s.trust.value})"

    @property
    def input_schema(self) -> dict[str, Any]:
        return self.skill.input_schema if self.skill is not None else {"type": "object"}

    @property
    def output_schema(self) -> dict[str, Any] | None:
        return (self.skill.output_schema or None) if self.skill is not None else None

    def parameters_schema(self) -> dict[str, Any]:
        """The JSON Schema a model adapter sends as the tool's parameters."""
        return self.input_schema

    async def invoke(self, args: dict[str, Any], *, positional: Sequence[Any] = ()) -> Any:
        with tool_errors():
            return await self._call(self.name, args, context=self._caller, positional=positional)


class LiveSkills(Mapping[str, SkillTarget]):
    """The bridge's table of skills: any name resolves, the manager decides per call.

    So a skill registered during a run is callable later in the same run, and nothing is
    loaded from storage for a program that calls no skill. Iteration yields ``known``
    (what ``dir(skills)`` shows in the sandbox)."""

    def __init__(self, call: SkillCall, caller: Caller, known: tuple[str, ...] = ()) -> None:
        self._call = call
        self._caller = caller
        self._known = known

    def __getitem__(self, name: str) -> SkillTarget:
        return SkillTarget(self._call, name, self._caller)

    def __iter__(self) -> Iterator[str]:
        return iter(self._known)

    def __len__(self) -> int:
        return len(self._known)
