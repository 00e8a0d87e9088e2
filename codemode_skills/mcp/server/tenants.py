"""One ``SkillsSession`` per tenant, over one shared code mode, and what each exposes.

The session layer already knows "which tools, which prompt section, how to call"
(``code_mode_with_skills`` -> ``SkillToolset``); the server keeps one session per tenant
that has made a request and lets each request act for its own identity inside it
(``use_context``): the session is built without an identity, so the library resolves
every call to the request's context and checks its tenant against the store's before
every storage call. The driver, the host tools and the proxied MCP servers are the one
code mode's, shared by every tenant (each execution still gets a pristine worker).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from ...codemode import CodeMode
from ...records import Skill, SkillStatus, TrustLevel
from ...session import SkillsSession, code_mode_with_skills
from ...skills import Caller
from ...storage.arguments import SEARCHABLE
from ...storage.base import SkillStorage
from ...trust import TrustPolicy, TrustStrategy

#: Who the management tools name as the author of a change made over MCP.
AUTHOR = "mcp"

#: What listing a skill as a tool of its own is judged for: a client's model may call a
#: listed tool without a person approving each call.
UNATTENDED = Caller(unattended=True)


def offered(policy: TrustPolicy, caller: Caller) -> tuple[frozenset[SkillStatus], set[TrustLevel]]:
    """The statuses and trust levels of the skills ``caller`` may be offered: what the
    trust gate would let it run (the rule ``SkillSelector.allowed`` applies too)."""
    need = policy.least_trust(caller)
    statuses = frozenset({SkillStatus.ACTIVE}) if policy.needs_approval(caller) else SEARCHABLE
    return statuses, {t for t in TrustLevel if t >= need}


class Tenants:
    """The sessions of the tenants served, made on a tenant's first request."""

    def __init__(
        self,
        code_mode: CodeMode,
        storage: SkillStorage,
        *,
        trust_strategy: TrustStrategy | None = None,
        policy: TrustPolicy | None = None,
    ) -> None:
        self.code_mode = code_mode
        self.storage = storage
        self.trust_strategy = trust_strategy
        self.policy = policy
        self._sessions: dict[str, SkillsSession] = {}
        self._lock = asyncio.Lock()

    async def session(self, tenant: str) -> SkillsSession:
        found = self._sessions.get(tenant)
        if found is not None:
            return found
        async with self._lock:
            found = self._sessions.get(tenant)
            if found is None:
                store = self.storage
                if store.tenant != tenant:
                    store = await asyncio.to_thread(store.for_tenant, tenant)
                found = await code_mode_with_skills(
                    code_mode=self.code_mode,
                    storage=store,
                    tenant=tenant,
                    embedder=None,  # no selection: the client lists, searches and picks
                    trust_strategy=self.trust_strategy,
                    policy=self.policy,
                    context=Caller(caller=AUTHOR),
                )
                self._sessions[tenant] = found
        return found

    async def exposed(self, session: SkillsSession) -> list[Skill]:
        """The tenant's skills that get an MCP tool of their own: those the trust policy
        lets run unattended (default: provisional and up; with review: approved)."""
        statuses, levels = offered(session.manager.policy, UNATTENDED)
        return await session.manager.list(status=statuses, trust=levels)

    async def trusted(self, session: SkillsSession) -> list[Skill]:
        """What the skills extension and ``skill://`` resources publish: trusted, active."""
        return await session.manager.list(status=SkillStatus.ACTIVE, trust=TrustLevel.TRUSTED)

    @staticmethod
    def find(skills: Iterable[Skill], name: str) -> Skill | None:
        return next((s for s in skills if s.name == name), None)

    async def close(self) -> None:
        sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            await session.close()
