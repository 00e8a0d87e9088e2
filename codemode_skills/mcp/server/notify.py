"""Telling a tenant's connected clients that its tools (and skill resources) changed.

Both eras of the protocol: a handshake-era (2025) connection gets
``notifications/tools/list_changed`` on its standalone channel; a 2026-07-28 connection
opens a ``subscriptions/listen`` stream, served by a per-tenant ``ListenHandler`` on a
per-tenant bus. Either way a change of one tenant's skills reaches only that tenant's
clients: another tenant learns nothing, not even that something happened.

The changes are the library's own events (``skill:registered``, ``skill:updated``,
``skill:trust_changed``, ``skill:review_requested``), which carry the tenant and come from
the one code mode every tenant's manager shares.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from typing import Any

from mcp.server.context import ServerRequestContext
from mcp.server.session import ServerSession
from mcp.server.subscriptions import (
    InMemorySubscriptionBus,
    ListenHandler,
    ResourcesListChanged,
    ToolsListChanged,
)
from mcp_types import SubscriptionsListenRequestParams, SubscriptionsListenResult
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from ...events import Event, EventHub, EventType

log = logging.getLogger("codemode_skills.mcp.server")

#: Events after which a tenant's lists may differ.
CHANGES = frozenset(
    {
        EventType.SKILL_REGISTERED,
        EventType.SKILL_UPDATED,
        EventType.SKILL_TRUST_CHANGED,
        EventType.SKILL_REVIEW_REQUESTED,
    }
)

#: Handshake-era connections remembered per tenant (the oldest are forgotten first).
MAX_CONNECTIONS = 256


class ChangeNotifier:
    """Per-tenant fan-out of list changes to the connections that tenant has open."""

    def __init__(self) -> None:
        self._legacy: dict[str, OrderedDict[str, ServerSession]] = {}
        self._buses: dict[str, InMemorySubscriptionBus] = {}
        self._listeners: dict[str, ListenHandler] = {}
        self._pending: set[asyncio.Task[None]] = set()

    def follow(self, events: EventHub) -> Any:
        """Notify on the library's change events; returns the unsubscribe function."""
        return events.subscribe(self._on_event)

    def seen(self, tenant: str, ctx: ServerRequestContext[Any, Any]) -> None:
        """Remember a handshake-era connection of ``tenant`` (its standalone channel is
        where a change notification goes). Modern connections listen instead."""
        if ctx.session.protocol_version in MODERN_PROTOCOL_VERSIONS:
            return
        request = ctx.request
        key = "stdio"
        if request is not None:
            key = request.headers.get("mcp-session-id") or ""
        if not key:
            return  # stateless HTTP: no channel to notify on
        known = self._legacy.setdefault(tenant, OrderedDict())
        known[key] = ctx.session
        known.move_to_end(key)
        while len(known) > MAX_CONNECTIONS:
            known.popitem(last=False)

    async def listen(
        self,
        tenant: str,
        ctx: ServerRequestContext[Any, Any],
        params: SubscriptionsListenRequestParams,
    ) -> SubscriptionsListenResult:
        """Serve a ``subscriptions/listen`` stream on ``tenant``'s own bus."""
        handler = self._listeners.get(tenant)
        if handler is None:
            bus = self._buses[tenant] = InMemorySubscriptionBus()
            handler = self._listeners[tenant] = ListenHandler(bus)
        return await handler(ctx, params)

    def _on_event(self, event: Event) -> None:
        tenant = event.data.get("tenant")
        if event.type not in CHANGES or not isinstance(tenant, str):
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # emitted off the loop: nobody is connected to tell
            return
        task = loop.create_task(self.changed(tenant))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def changed(self, tenant: str) -> None:
        """Tell ``tenant``'s clients that its tools and skill resources changed."""
        bus = self._buses.get(tenant)
        if bus is not None:
            await bus.publish(ToolsListChanged())
            await bus.publish(ResourcesListChanged())
        known = self._legacy.get(tenant, OrderedDict())
        for key, session in list(known.items()):
            try:
                await session.send_tool_list_changed()
                await session.send_resource_list_changed()
            except Exception:  # a closed connection: forget it
                log.debug("dropping a closed MCP connection of tenant %s", tenant)
                known.pop(key, None)

    async def close(self) -> None:
        for handler in self._listeners.values():
            handler.close()
        for task in list(self._pending):
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
