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
from typing import Any

from .codemode import EXECUTE_TOOL_NAME, CodeMode, ExecutePythonInput, create_code_mode
from .models.base import Message, Model
from .records import Skill, new_id
from .registry import ToolRegistry
from .sandbox.driver import Driver
from .security.context import ExecutionContext
from .skills.calls import CallContext
from .skills.manager import SkillManager
from .skills.tools import skills_prompt
from .storage.base import SkillStorage
from .tools.tool import Tool
from .trust import TrustPolicy, TrustStrategy

SKILLS_RULES = """
Saved skills: `await skills.<name>(**input)` runs any saved skill of this workspace (the
most relevant are listed below; `search_skills` finds others, `get_skill` shows one's
code). When a program works and the task may come back, save it with `register_skill`
(give a JSON Schema of its input and a `test_input`); improve one with `update_skill`.
"""


@dataclass
class SkillsSession:
    """What one request needs; reuse ``code_mode`` (and its driver) across requests."""

    code_mode: CodeMode
    manager: SkillManager
    registry: ToolRegistry
    system_prompt: str
    selected: list[Skill] = field(default_factory=list)
    selection: Any = None
    selector: Any = None
    _owns: str = "nothing"  # "everything", "code_mode" (not the caller's driver), "nothing"
    #: Ends the subscription of a selector this session made (F17); a caller's own
    #: selector stays subscribed (once per code mode) for the caller's next request.
    _unfollow: Callable[[], None] | None = None

    async def close(self) -> None:
        """Close what this session created: never the caller's code mode or driver."""
        if self._unfollow is not None:
            self._unfollow()
            self._unfollow = None
        if self._owns == "everything":
            await self.code_mode.close()
        elif self._owns == "code_mode":
            self.code_mode.events.close()


def _execute_tool(manager: SkillManager, context: CallContext, base: Tool) -> Tool:
    async def run(args: ExecutePythonInput) -> dict[str, Any]:
        return (await manager.execute(args.code, context=context)).for_model()

    return Tool(
        name=EXECUTE_TOOL_NAME,
        fn=run,
        input_model=ExecutePythonInput,
        description=base.description + " Saved skills are `await skills.<name>(...)`.",
    )


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
    selector: Any = None,
    embedder: Any = "default",
    cheap_model: Model | None = None,
    context: CallContext | None = None,
    identity: ExecutionContext | None = None,
    timeout_s: float = 30.0,
    memory_mb: int = 256,
    expose_tools: bool = False,
) -> SkillsSession:
    """Build the tools, prompt and skill selection for one request.

    ``storage``: a ``SkillStorage`` or a URL for ``open_storage``. ``selector``: a
    ``SkillSelector`` to reuse (its index stays warm across requests); otherwise one is
    made with ``embedder`` (default: the bundled all-MiniLM-L6-v2; ``None`` for no
    selection, in which case no skill is listed but all remain callable) and
    ``cheap_model``. ``identity``: the tenant, user and scopes the request acts for (its
    tenant is the store's tenant; every execution, tool call and storage operation of the
    session is checked against it).
    """
    if identity is not None and tenant == "default":
        tenant = identity.tenant
    if isinstance(storage, str):
        from .storage import open_storage

        storage = open_storage(storage, tenant=tenant)
    owns = "nothing" if code_mode else "code_mode" if driver else "everything"
    cm = code_mode or create_code_mode(tools, driver=driver, timeout_s=timeout_s,
                                       memory_mb=memory_mb)  # fmt: skip
    # one conversation per session: its executions are one request for trust
    ctx = context or CallContext(identity=identity, conversation=new_id())
    if embedder == "default":
        from .selection import SentenceTransformerEmbedder

        embedder = SentenceTransformerEmbedder() if selector is None else selector.embedder
    manager = SkillManager(storage, cm, trust_strategy=trust_strategy, policy=policy,
                           context=ctx, embedder=embedder, identity=identity)  # fmt: skip
    own_selector = selector is None and embedder is not None
    if own_selector:
        from .selection import SkillSelector

        selector = SkillSelector(storage, embedder, cheap_model=cheap_model, policy=manager.policy)
    selection = None
    selected: list[Skill] = []
    unfollow = None
    if selector is not None:
        unfollow = selector.follow(cm.events)
        if messages:
            selection = await selector.select(messages, context=ctx)
            selected = selection.skills
    registry = ToolRegistry([_execute_tool(manager, ctx, cm.tool), *manager.management_tools()],
                            manager=manager, context=ctx)  # fmt: skip
    if expose_tools:  # the plain tools as direct tool calls too (code mode needs none)
        for t in cm.tools.values():
            if t.name not in registry:
                registry.add(t)
    for t in manager.skill_tools(selected, context=ctx):
        registry.add(t)
    prompt = cm.system_prompt + SKILLS_RULES + ("\n" + skills_prompt(selected) if selected else "")
    return SkillsSession(code_mode=cm, manager=manager, registry=registry, system_prompt=prompt,
                         selected=selected, selection=selection, selector=selector,
                         _owns=owns, _unfollow=unfollow if own_selector else None)  # fmt: skip
