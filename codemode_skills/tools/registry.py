"""``ToolRegistry``: the tools a model may call in one session, kept live.

Fixed tools (``execute_python``, plain tools, whatever a toolset adds) plus a
``resolver`` for names it does not hold yet: ``SkillToolset.resolve`` answers with the
tenant's skill of that name, so a skill registered during a run can be called as a tool
in the same run. The registry knows nothing of what a resolver looks in.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import Any, Protocol


class ModelTool(Protocol):
    """What a registry holds: a ``Tool``, or anything a model can be shown and call the
    same way (a skill as a tool)."""

    name: str

    @property
    def description(self) -> str: ...

    @property
    def scopes(self) -> frozenset[str]: ...

    def parameters_schema(self) -> dict[str, Any]: ...

    async def invoke(self, args: dict[str, Any]) -> Any: ...


#: Looks a name up among tools nobody listed (None: there is no such tool).
Resolver = Callable[[str], Awaitable[ModelTool | None]]


class ToolRegistry:
    def __init__(
        self, tools: Iterable[ModelTool] = (), *, resolver: Resolver | None = None
    ) -> None:
        self._tools: dict[str, ModelTool] = {}
        self.resolver = resolver
        for t in tools:
            self.add(t)

    def add(self, tool: ModelTool) -> None:
        self._tools[tool.name] = tool

    def __iter__(self) -> Iterator[ModelTool]:
        return iter(list(self._tools.values()))

    def __len__(self) -> int:
        return len(self._tools)

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    @property
    def names(self) -> list[str]:
        return list(self._tools)

    async def resolve(self, name: str) -> ModelTool | None:
        """The tool called ``name``: a held one, else what the resolver finds (kept)."""
        found = self._tools.get(name)
        if found is not None or self.resolver is None:
            return found
        found = await self.resolver(name)
        if found is not None:
            self._tools[name] = found
        return found
