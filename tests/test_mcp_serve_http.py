"""``codemode-skills mcp serve --http``: bearer tokens, tenancy, scopes, list changes.

One real server process (streamable HTTP on a free port, relaxed trust, a file store and
a JSON-lines audit log) for the module; the SDK's client connects with the project's
scoped tokens. Attacks are made, not assumed away: no token, a forged one, an expired
one, a revoked one, another tenant's token, a token without the scope.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .mcp_serve_cases import (
    DOUBLE,
    SERVE,
    call,
    extension,
    http_client,
    http_server,
    no_host_detail,
    payload,
    run,
    token,
    tool_names,
    until,
)

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


class Served:
    def __init__(self, url: str, root: Path) -> None:
        self.url, self.root = url, root
        self.audit = root / "audit.jsonl"
        self.revoked = root / "revoked.txt"
        self.key = root / "token.key"

    def refusals(self, tenant: str) -> list[dict[str, Any]]:
        lines = self.audit.read_text().splitlines() if self.audit.exists() else []
        records = [json.loads(line) for line in lines]
        return [r for r in records if r["tenant"] == tenant and r["outcome"] == "refused"]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("serve")
    store = root / "store"
    store.mkdir()
    (store / "broken").write_text("a file where a tenant's folder should be")
    args = ["--storage", f"file://{store}", "--trust", "relaxed"]
    args += ["--audit", str(root / "audit.jsonl"), "--revoked", str(root / "revoked.txt")]
    with http_server(root, *args) as url:
        yield Served(url, root)


async def _status(url: str, bearer: str | None) -> tuple[int, str]:
    import httpx2

    headers = {"Accept": "application/json, text/event-stream"}
    if bearer is not None:
        headers["Authorization"] = f"Bearer {bearer}"
    body = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}}
    async with httpx2.AsyncClient() as http:
        response = await http.post(url, json=body, headers=headers)
    return response.status_code, response.headers.get("www-authenticate", "")


async def test_a_missing_forged_expired_or_revoked_token_is_401(served: Served) -> None:
    from codemode_skills.security import TokenSigner

    revoked = token("acme", "alice")
    served.revoked.write_text(TokenSigner("k" * 48).claims(revoked)["jti"] + "\n")
    for bearer in (
        None,
        "not-a-token",
        token("acme", "alice", key="x" * 48),  # signed with another key
        token("acme", "alice", ttl_s=-5),  # expired
        revoked,
    ):
        status, challenge = await _status(served.url, bearer)
        assert status == 401 and challenge.startswith("Bearer"), bearer
    assert (await _status(served.url, token("acme", "alice")))[0] == 200
    command = [*SERVE[:-1], "token", "--tenant", "acme", "--token-key-file", str(served.key)]
    printed = await asyncio.to_thread(  # what an operator hands a client: `mcp token`
        subprocess.run, command, capture_output=True, text=True, check=True
    )
    assert (await _status(served.url, printed.stdout.strip()))[0] == 200
    errors = {r["detail"]["error"] for r in served.refusals("acme") if r["action"] == "mcp_auth"}
    assert errors == {"TokenExpired", "TokenError"}  # a signed token refused: audited


async def test_a_missing_scope_is_an_mcp_error_and_audited(served: Served) -> None:
    from mcp.shared.exceptions import MCPError

    async with http_client(served.url, token("acme", "viv", "skills:read")) as client:
        assert "execute_python" in await tool_names(client)
        with pytest.raises(MCPError) as refused:
            await run(client, "return 1")
        assert "execute_python needs scope(s) code:execute" in str(refused.value)
        found = payload(await call(client, "search_skills", query="anything"))
        assert isinstance(found, list)
    refusals = [r for r in served.refusals("acme") if r["target"] == "execute_python"]
    assert refusals and refusals[-1]["user"] == "viv"
    assert refusals[-1]["detail"]["missing"] == ["code:execute"]


async def _promote(url: str, changes: list[Any]) -> None:
    """Alice registers ``double_it``; Bob's three runs make it provisional (the author's
    own runs never count), which lists it as a tool."""
    async with http_client(url, token("acme", "alice")) as alice:
        if "double_it" in await tool_names(alice):
            return
        registered = await call(alice, "register_skill", **DOUBLE)
        assert not registered.is_error, registered
        assert "double_it" not in await tool_names(alice)
    async with http_client(url, token("acme", "bob")) as bob:
        for x in (1, 2, 3):
            assert (await run(bob, f"return await skills.double_it(x={x})"))["success"]


async def test_a_promoted_skill_is_listed_and_list_changed_is_sent(served: Served) -> None:
    import anyio

    changes: list[Any] = []

    async def on_message(message: Any) -> None:
        if type(message).__name__ == "ToolListChangedNotification":
            changes.append(message)

    alice = token("acme", "alice")
    async with (
        http_client(served.url, alice) as modern,
        http_client(served.url, alice, mode="legacy", message_handler=on_message) as legacy,
    ):
        assert modern.protocol_version >= "2026" and legacy.protocol_version < "2026"
        events: list[Any] = []
        async with anyio.create_task_group() as group:

            async def listen() -> None:
                async with modern.listen(tools_list_changed=True) as stream:
                    async for event in stream:
                        events.append(event)

            group.start_soon(listen)
            await tool_names(legacy)  # the legacy session is now known to the server
            await _promote(served.url, changes)
            assert await until(lambda: events and changes), (events, changes)
            group.cancel_scope.cancel()
        assert "double_it" in await tool_names(modern)
        result = await call(legacy, "double_it", x=5)
        assert result.structured_content == {"value": 10}


async def test_one_tenant_never_lists_finds_or_runs_anothers_skills(served: Served) -> None:
    from mcp.shared.exceptions import MCPError

    await _promote(served.url, [])
    async with http_client(served.url, token("acme", "alice")) as acme:
        assert "double_it" in await tool_names(acme)  # it exists, for acme
    async with http_client(served.url, token("globex", "mallory")) as globex:
        assert "double_it" not in await tool_names(globex)
        assert payload(await call(globex, "search_skills", query="double a number")) == []
        missing = await call(globex, "get_skill", name="double_it")
        assert missing.is_error
        with pytest.raises(MCPError):
            await call(globex, "double_it", x=1)
        answer = await run(globex, "return await skills.double_it(x=1)")
        assert not answer["success"] and "double_it" in answer["error"]["message"]
        assert (await extension(globex, "skills/list"))["skills"] == []
        with pytest.raises(MCPError):
            await globex.read_resource("skill://double-it/SKILL.md")


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_a_storage_fault_reaches_the_client_without_host_detail(
    served: Served, mode: str
) -> None:
    """The tenant's folder cannot be made (a file is in the way): the OS error names the
    path. A handshake-era connection would send ``str(exc)`` as the error message."""
    from mcp.shared.exceptions import MCPError

    async with http_client(served.url, token("broken", "x"), mode=mode) as client:
        with pytest.raises(MCPError) as failed:
            await client.list_tools()
    message = str(failed.value)
    assert "internal error (ref " in message
    no_host_detail(message, served.root)
    ref = message.split("(ref ")[1].split(")")[0]
    assert ref in (served.root / "server.log").read_text()  # the detail stays on the host
