"""``code_mode_with_skills``: the high-level entry point for one request.

Given tools, a store, a trust strategy, a selector and the conversation, it returns the
live tool registry (``execute_python`` with ``skills.*`` available, the management tools,
the selected skills as tools), the system prompt (rules, tool stubs, stubs of the
selected skills) and the selection. Hand ``registry`` and ``system_prompt`` to ``Agent``
or to your own loop.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from .codemode import CodeMode, create_code_mode
from .errors import ToolDefinitionError
from .models.base import Message, Model
from .records import Skill, new_id
from .sandbox.driver import Driver
from .security.context import ExecutionContext
from .skills import Caller, SkillManager, SkillToolset
from .storage.base import SkillStorage
from .tools.registry import ToolRegistry
from .tools.tool import Tool
from .trust import TrustPolicy, TrustStrategy

if TYPE_CHECKING:  # selection (numpy, an embedding model) loads only when a session selects
    from .codemode import McpServersLike
    from .selection import Embedder, Selection, SkillSelector


@dataclass
class SkillsSession:
    """What one request needs; reuse ``code_mode`` (and its driver) across requests."""

    code_mode: CodeMode
    manager: SkillManager
    toolset: SkillToolset
    registry: ToolRegistry
    system_prompt: str
    selected: list[Skill] = field(default_factory=list)
    selection: Selection | None = None
    selector: SkillSelector | None = None
    #: This session made the code mode (its event hub ends with the session) ...
    owns_code_mode: bool = False
    #: ... and its driver too (the whole code mode closes with the session).
    owns_driver: bool = False
    #: Ends the subscription of a selector this session made (F17); a caller's own
    #: selector stays subscribed (once per code mode) for the caller's next request.
    _unfollow: Callable[[], None] | None = None

    async def close(self) -> None:
        """Close what this session created: never the caller's code mode or driver."""
        if self._unfollow is not None:
            self._unfollow()
            self._unfollow = None
        if self.owns_driver:
            await self.code_mode.close()
        elif self.owns_code_mode:
            if self.code_mode.mcp is not None:  # this session's hold on the servers
                await self.code_mode.mcp.close()
            self.code_mode.events.close()


async def code_mode_with_skills(
    tools: Iterable[Tool] = (),
    *,
    messages: str | Sequence[Message] = (),
    storage: SkillStorage | str = "sqlite:///skills.db",
    tenant: str = "default",
    driver: Driver | None = None,
    code_mode: CodeMode | None = None,
    trust_strategy: TrustStrategy | None = None,
    policy: TrustPolicy | None = None,
    selector: SkillSelector | None = None,
    embedder: Embedder | Literal["default"] | None = "default",
    cheap_model: Model | None = None,
    context: Caller | None = None,
    identity: ExecutionContext | None = None,
    timeout_s: float = 30.0,
    memory_mb: int = 256,
    expose_tools: bool = False,
    mcp_servers: McpServersLike | None = None,
) -> SkillsSession:
    """Build the tools, prompt and skill selection for one request.

    ``storage``: a ``SkillStorage`` or a URL for ``open_storage``. ``selector``: a
    ``SkillSelector`` to reuse (its index stays warm across requests); otherwise one is
    made with ``embedder`` (default: the bundled all-MiniLM-L6-v2; ``None`` for no
    selection, in which case no skill is listed but all remain callable) and
    ``cheap_model``. The selector follows the code mode's events, so a skill registered
    or edited in the session is embedded when it changes, not on a later request.
    ``identity``: the tenant, user and scopes the request acts for (its tenant is the
    store's tenant; every execution, tool call and storage operation of the session is
    checked against it). ``mcp_servers``: MCP servers for the code mode this session
    makes (``create_code_mode(mcp_servers=...)``; with ``code_mode=``, configure them
    there); they are started here, so the prompt lists their tools.
    """
    if identity is not None and tenant == "default":
        tenant = identity.tenant
    if isinstance(storage, str):
        from .storage import open_storage

        storage = open_storage(storage, tenant=tenant)
    if code_mode is not None and mcp_servers is not None:
        raise ToolDefinitionError("pass mcp_servers to the code_mode's create_code_mode")
    cm = code_mode or create_code_mode(
        tools, driver=driver, timeout_s=timeout_s, memory_mb=memory_mb, mcp_servers=mcp_servers
    )
    if cm.mcp is not None:
        await cm.mcp.start()  # their stubs go into the prompt below
    # one conversation per session: its executions are one request for trust
    caller = context or Caller(identity=identity, conversation=new_id())
    manager = SkillManager(
        storage, cm, trust_strategy=trust_strategy, policy=policy, context=caller, identity=identity
    )
    own_selector = selector is None and embedder is not None
    if own_selector:
        from .selection import SentenceTransformerEmbedder, SkillSelector

        model = SentenceTransformerEmbedder() if embedder == "default" else embedder
        selector = SkillSelector(storage, model, cheap_model=cheap_model, policy=manager.policy)
    selection: Selection | None = None
    selected: list[Skill] = []
    unfollow = None
    if selector is not None:
        unfollow = selector.follow(cm.events)  # embeds what the session registers
        if messages:
            selection = await selector.select(messages, context=caller)
            selected = selection.skills
    toolset = SkillToolset(manager, caller)
    registry = ToolRegistry(
        [toolset.execute_tool, *toolset.management_tools], resolver=toolset.resolve
    )
    if expose_tools:  # the plain tools as direct tool calls too (code mode needs none)
        for t in cm.tools.values():
            if t.name not in registry:
                registry.add(t)
    for target in toolset.skill_tools(selected):
        registry.add(target)
    return SkillsSession(
        code_mode=cm,
        manager=manager,
        toolset=toolset,
        registry=registry,
        system_prompt=cm.system_prompt + toolset.instructions(selected),
        selected=selected,
        selection=selection,
        selector=selector,
        owns_code_mode=code_mode is None,
        owns_driver=code_mode is None and driver is None,
        _unfollow=unfollow if own_selector else None,
    )
