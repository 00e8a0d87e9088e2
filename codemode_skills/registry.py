"""``ToolRegistry``: the tools a model may call in one session, kept live.

Fixed tools (``execute_python``, the management tools, plain tools the caller adds) plus
the selected skills as tools of their own names. It is live: a name it does not hold
yet is looked up among the tenant's skills, so a skill registered during a run can be
called as a tool in the same run.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from .errors import SkillError
from .tools.tool import Tool

if TYPE_CHECKING:
    from .skills.calls import CallContext
    from .skills.manager import SkillManager


class ToolRegistry:
    def __init__(
        self,
        tools: Iterable[Tool] = (),
        *,
        manager: SkillManager | None = None,
        context: CallContext | None = None,
    ) -> None:
        self._tools: dict[str, Tool] = {}
        self.manager = manager
        self.context = context
        for t in tools:
            self.add(t)

    def add(self, tool: Tool) -> None:
        self._tools[tool.name] = tool

    def __iter__(self) -> Iterator[Tool]:
        return iter(list(self._tools.values()))

    def __len__(self) -> int:
        return len(self._tools)

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    @property
    def names(self) -> list[str]:
        return list(self._tools)

    async def resolve(self, name: str) -> Tool | None:
        """The tool called ``name``: a held tool, or a skill of the tenant made into one."""
        found = self._tools.get(name)
        if found is not None or self.manager is None:
            return found
        try:
            skill = await self.manager.get(name)
        except (SkillError, ValueError):
            return None
        tool = self.manager.skill_tools([skill], context=self.context)[0]
        self._tools[name] = tool
        return tool
