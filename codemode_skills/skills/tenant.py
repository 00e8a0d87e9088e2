"""``TenantStore``: one tenant's store as the skills line reaches it.

Storage calls block (SQL, files, network), so each runs off the event loop; before it
does, the identity the call acts for is compared with the store's tenant, and one of
another tenant is refused (``TenantMismatch``) and audited before storage is touched.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import Any, TypeVar

from ..errors import TenantMismatch
from ..security.audit import Auditor
from ..security.context import ExecutionContext
from ..storage.base import SkillStorage

T = TypeVar("T")


class TenantStore:
    """``storage`` behind the tenant guard; ``run(who, fn, ...)`` is every storage call."""

    def __init__(self, storage: SkillStorage, auditor: Auditor) -> None:
        self.storage = storage
        self.auditor = auditor

    @property
    def tenant(self) -> str:
        return self.storage.tenant

    def guard(self, who: ExecutionContext | None) -> None:
        """Refuse (and audit) an identity of another tenant."""
        if who is not None and who.tenant != self.tenant:
            self.auditor.record(
                "storage",
                context=who,
                outcome="refused",
                error="TenantMismatch",
                store_tenant=self.tenant,
            )
            raise TenantMismatch(f"tenant {who.tenant!r} may not act on another tenant's skills")

    async def run(
        self, who: ExecutionContext | None, fn: Callable[..., T], *args: Any, **kwargs: Any
    ) -> T:
        """Guard the tenant for ``who``, then run ``fn(*args, **kwargs)`` on a thread."""
        self.guard(who)
        return await asyncio.to_thread(functools.partial(fn, *args, **kwargs))
