"""``SkillsMcpServer``: the SDK's low-level ``Server`` over one code mode and a skill store.

Tools: the session's own (``execute_python`` with the host tools, the proxied MCP
servers and ``skills.*`` inside the sandbox; ``register_skill``, ``search_skills``,
``get_skill``, ``update_skill``), then each skill the trust policy lets run unattended as
a tool of its own, typed by its schemas. Resources and the skills extension publish the
trusted skills (``skillfiles``). Every request acts for one identity: over HTTP the
bearer token's tenant, user and scopes; over stdio the configured ones. The low-level
``Server`` is used rather than ``MCPServer`` because the tool list is per tenant and
changes at run time, and because the errors a client sees must be shaped here.
"""

from __future__ import annotations

from typing import Any

from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel.server import NotificationOptions, Server
from mcp.server.models import InitializationOptions
from mcp.shared.exceptions import MCPError
from mcp_types import (
    INVALID_PARAMS,
    CallToolRequestParams,
    CallToolResult,
    EmptyResult,
    ListResourcesResult,
    ListToolsResult,
    PaginatedRequestParams,
    ReadResourceRequestParams,
    ReadResourceResult,
    RequestParams,
    Resource,
    SetLevelRequestParams,
    SubscriptionsListenRequestParams,
    SubscriptionsListenResult,
    TextResourceContents,
)
from mcp_types import Tool as McpTool

from ...codemode import CodeMode
from ...errors import ScopeDenied, ToolError
from ...records import Skill
from ...security.audit import AuditAction
from ...security.context import ExecutionContext, new_request_id, use_context
from ...session import SkillsSession
from ...skills.toolset import SKILLS_RULES
from ...storage.base import SkillStorage
from ...tools.tool import Tool
from ...trust import TrustPolicy, TrustStrategy
from . import skillfiles
from .auth import identity_of
from .notify import ChangeNotifier
from .results import (
    forbidden,
    guarded,
    internal,
    model_facing,
    text_result,
    tool_error,
    unknown_tool,
)
from .scopes import READ, needed_for
from .tenants import Tenants

Ctx = ServerRequestContext[Any, Any]


class _Server(Server[Any]):
    """The SDK server, announcing list changes to handshake-era clients too (the HTTP
    session manager builds its initialize result without notification options)."""

    def create_initialization_options(
        self,
        notification_options: NotificationOptions | None = None,
        experimental_capabilities: dict[str, dict[str, Any]] | None = None,
        extensions: dict[str, dict[str, Any]] | None = None,
    ) -> InitializationOptions:
        changes = notification_options or NotificationOptions(
            tools_changed=True, resources_changed=True
        )
        return super().create_initialization_options(changes, experimental_capabilities, extensions)


class GetSkillParams(RequestParams):
    """``skills/get``: the URI of a skill's ``SKILL.md``."""

    uri: str


def _output_schema(schema: dict[str, Any] | None) -> dict[str, Any] | None:
    """MCP wants an object: other result types are wrapped as ``{"result": ...}``."""
    if not schema:
        return None
    if schema.get("type") == "object":
        return schema
    return {"type": "object", "properties": {"result": schema}, "required": ["result"]}


class SkillsMcpServer:
    """The MCP face of a code mode and a skill store (``serve_stdio``/``serve_http``).

    ``local``: the identity of a stdio server (its tenant, user and scopes); an HTTP
    server takes each request's identity from its bearer token instead."""

    def __init__(
        self,
        code_mode: CodeMode,
        storage: SkillStorage,
        *,
        local: ExecutionContext | None = None,
        trust_strategy: TrustStrategy | None = None,
        policy: TrustPolicy | None = None,
        name: str = "codemode-skills",
    ) -> None:
        self.code_mode = code_mode
        self.local = local
        self.tenants = Tenants(code_mode, storage, trust_strategy=trust_strategy, policy=policy)
        self.notifier = ChangeNotifier()
        self._unfollow: Any = None
        #: What ``logging/setLevel`` last asked for (None: the client asked nothing).
        self.log_level: str | None = None
        self.server = _Server(
            name,
            version=_version(),
            on_list_tools=self._list_tools,
            on_call_tool=self._call_tool,
            on_list_resources=self._list_resources,
            on_read_resource=self._read_resource,
            on_subscriptions_listen=self._listen,
            on_set_logging_level=self._set_logging_level,
        )
        self.server.extensions[skillfiles.EXTENSION] = {}
        self.server.add_request_handler("skills/list", PaginatedRequestParams, self._skills_list)
        self.server.add_request_handler("skills/get", GetSkillParams, self._skills_get)

    async def start(self) -> None:
        """Start the driver and the proxied MCP servers; follow the skills' changes."""
        await self.code_mode.start()
        self.server.instructions = self.code_mode.system_prompt + SKILLS_RULES
        if self._unfollow is None:
            self._unfollow = self.notifier.follow(self.code_mode.events)

    async def close(self) -> None:
        if self._unfollow is not None:
            self._unfollow()
            self._unfollow = None
        await self.notifier.close()
        await self.tenants.close()
        await self.code_mode.close()

    # -- who a request acts for ---------------------------------------------------------
    def identity(self, ctx: Ctx) -> ExecutionContext:
        request = ctx.request
        if request is None:
            if self.local is None:
                raise forbidden("this server has no identity configured for stdio")
            return self.local.model_copy(update={"request_id": new_request_id()})
        user = request.scope.get("user")
        if not isinstance(user, AuthenticatedUser):  # the SDK's middleware answers 401 first
            raise forbidden("authentication required")
        return identity_of(user.access_token)

    def _require(self, who: ExecutionContext, scope: str, target: str) -> None:
        """Refuse (and audit) a request whose scopes lack ``scope``."""
        try:
            who.require([scope], target)
        except ScopeDenied as exc:
            self.code_mode.auditor.record(
                AuditAction.TOOL_CALL,
                context=who,
                outcome="refused",
                target=target,
                error="ScopeDenied",
                missing=[scope],
            )
            raise forbidden(f"{exc}, which this token does not grant") from None

    async def _session(self, who: ExecutionContext, ctx: Ctx) -> SkillsSession:
        session = await self.tenants.session(who.tenant)
        self.notifier.seen(who.tenant, ctx)
        return session

    # -- tools ----------------------------------------------------------------------------
    @staticmethod
    def _core(session: SkillsSession) -> dict[str, Tool]:
        return {t.name: t for t in session.registry if isinstance(t, Tool)}

    def _describe(self, tool: Tool) -> McpTool:
        description = tool.description
        if tool.name == self.code_mode.tool.name:  # the program's rules and stubs
            description += "\n\n" + (self.server.instructions or "")
        return McpTool(
            name=tool.name,
            description=description,
            input_schema=tool.input_schema,
            output_schema=_output_schema(tool.output_schema),
        )

    @staticmethod
    def _describe_skill(session: SkillsSession, skill: Skill) -> McpTool:
        target = session.toolset.skill_tools([skill])[0]
        return McpTool(
            name=target.name,
            description=target.description,
            input_schema=target.input_schema,
            output_schema=_output_schema(target.output_schema),
        )

    async def _list_tools(self, ctx: Ctx, params: PaginatedRequestParams | None) -> ListToolsResult:
        with guarded("tools/list"):
            who = self.identity(ctx)
            with use_context(who):
                session = await self._session(who, ctx)
                core = self._core(session)
                tools = [self._describe(t) for t in core.values()]
                tools += [
                    self._describe_skill(session, s)
                    for s in await self.tenants.exposed(session)
                    if s.name not in core
                ]
            return ListToolsResult(tools=tools, ttl_ms=0, cache_scope="private")

    async def _call_tool(self, ctx: Ctx, params: CallToolRequestParams) -> CallToolResult:
        name, args = params.name, dict(params.arguments or {})
        with guarded(f"tools/call {name}"):
            who = self.identity(ctx)
            with use_context(who):
                session = await self._session(who, ctx)
                tool: Any = self._core(session).get(name)
                self._require(who, needed_for(name, skill=tool is None), name)
                schema = tool.output_schema if tool is not None else None
                if tool is None:
                    skill = Tenants.find(await self.tenants.exposed(session), name)
                    if skill is None:
                        raise unknown_tool(name)
                    tool = session.toolset.skill_tools([skill])[0]
                    schema = tool.output_schema
                try:
                    value = await tool.invoke(args)
                except ToolError as exc:
                    if not model_facing(exc):
                        raise internal(exc.__cause__ or exc, f"tools/call {name}") from None
                    return tool_error(str(exc))
            return _shaped(value, schema, execution=name == self.code_mode.tool.name)

    # -- trusted skills: resources and the skills extension ---------------------------------
    async def _published(self, ctx: Ctx) -> list[Skill]:
        who = self.identity(ctx)
        self._require(who, READ, "reading skills")
        with use_context(who):
            session = await self._session(who, ctx)
            skills = await self.tenants.trusted(session)
        return [s for s in skills if skillfiles.uri_of(s) is not None]

    async def _one(self, ctx: Ctx, uri: str) -> Skill:
        name = skillfiles.skill_name_of(uri)
        found = Tenants.find(await self._published(ctx), name) if name else None
        if found is None:
            raise MCPError(code=INVALID_PARAMS, message=f"no skill at {uri}")
        return found

    async def _list_resources(
        self, ctx: Ctx, params: PaginatedRequestParams | None
    ) -> ListResourcesResult:
        with guarded("resources/list"):
            rows = [
                Resource.model_validate(skillfiles.resource(s)) for s in await self._published(ctx)
            ]
            return ListResourcesResult(resources=rows, ttl_ms=0, cache_scope="private")

    async def _read_resource(
        self, ctx: Ctx, params: ReadResourceRequestParams
    ) -> ReadResourceResult:
        with guarded("resources/read"):
            skill = await self._one(ctx, str(params.uri))
            text = TextResourceContents(
                uri=str(params.uri), mime_type=skillfiles.MIME, text=skillfiles.skill_md(skill)
            )
            return ReadResourceResult(contents=[text], ttl_ms=0, cache_scope="private")

    async def _skills_list(self, ctx: Ctx, params: PaginatedRequestParams) -> dict[str, Any]:
        with guarded("skills/list"):
            entries = [skillfiles.entry(s) for s in await self._published(ctx)]
            return {
                "resultType": "complete",
                "skills": entries,
                "ttlMs": 0,
                "cacheScope": "private",
            }

    async def _skills_get(self, ctx: Ctx, params: GetSkillParams) -> dict[str, Any]:
        with guarded("skills/get"):
            entry = skillfiles.entry(await self._one(ctx, params.uri))
            return {"resultType": "complete", "skill": entry, "ttlMs": 0, "cacheScope": "private"}

    async def _set_logging_level(self, ctx: Ctx, params: SetLevelRequestParams) -> EmptyResult:
        """``logging/setLevel``: the least severe level a client wants sent. The server
        sends no log notifications today (its logs go to its own stderr), so it only
        records the level."""
        self.log_level = params.level
        return EmptyResult()

    async def _listen(
        self, ctx: Ctx, params: SubscriptionsListenRequestParams
    ) -> SubscriptionsListenResult:
        with guarded("subscriptions/listen"):
            who = self.identity(ctx)
        return await self.notifier.listen(who.tenant, ctx, params)


def _shaped(value: Any, schema: dict[str, Any] | None, *, execution: bool) -> CallToolResult:
    """A tool's JSON value as text, and as ``structuredContent`` when it has a schema; a
    failed execution (``{"success": false, ...}``) is flagged ``isError``."""
    failed = execution and isinstance(value, dict) and value.get("success") is False
    structured = None
    if schema:
        structured = value if schema.get("type") == "object" else {"result": value}
    return text_result(value, error=failed, structured=structured)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("codemode-skills")
    except PackageNotFoundError:  # a source tree that was never installed
        return "0"
