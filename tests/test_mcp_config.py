"""MCP server configuration and names: no server runs here, and the SDK is not needed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from codemode_skills import create_code_mode, tool
from codemode_skills.errors import CodeModeError, ToolDefinitionError
from codemode_skills.mcp import HttpServer, StdioServer, load_mcp_config
from codemode_skills.mcp.names import flat_name, server_identifier, tool_identifiers

SECRET = "sk-live-0123456789"

CLAUDE_STYLE = {
    "mcpServers": {
        "time": {"command": "uvx", "args": ["mcp-server-time"], "autoApprove": ["x"]},
        "my-docs": {"url": "https://docs.example/mcp", "headers": {"Authorization": SECRET}},
        "legacy": {"type": "sse", "url": "http://127.0.0.1:9/sse"},
        "off": {"command": "nothing", "disabled": True},
        "keyed": {"command": "srv", "env": {"API_KEY": SECRET}, "cwd": "/tmp", "timeout": 5},
    }
}


def test_the_conventional_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "claude_desktop_config.json"
    path.write_text(json.dumps(CLAUDE_STYLE))
    servers = load_mcp_config(path)
    assert list(servers) == ["time", "my_docs", "legacy", "keyed"]  # "off" is disabled
    assert isinstance(servers["time"], StdioServer) and servers["time"].args == ("mcp-server-time",)
    assert isinstance(servers["my_docs"], HttpServer) and servers["my_docs"].type == "http"
    assert servers["legacy"].type == "sse"
    assert servers["keyed"].timeout_s == 5 and servers["keyed"].cwd == "/tmp"
    assert load_mcp_config(CLAUDE_STYLE["mcpServers"]).keys() == servers.keys()


def test_secrets_stay_out_of_reprs_and_fingerprints() -> None:
    servers = load_mcp_config(CLAUDE_STYLE)
    for config in servers.values():
        assert SECRET not in repr(config) and SECRET not in str(config.model_dump())
        assert SECRET not in config.describe() and SECRET not in config.fingerprint()
    assert servers["keyed"].secrets() == [SECRET]
    other = StdioServer(command="srv", env={"API_KEY": "another-secret"}, cwd="/tmp", timeout=5)
    assert other.fingerprint() != servers["keyed"].fingerprint()  # a secret tells them apart


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ({"args": ["x"]}, "'bad': command: Field required"),
        ({"command": "srv", "args": "not-a-list"}, "'bad': args:"),
        ({"url": "ftp://x"}, "'bad': url: String should match"),
        ({"command": "srv", "env": {"K": 3}}, "'bad': env.K: Input should be a valid string"),
        ({"command": "srv", "timeout": -1}, "'bad': timeout: Input should be greater than 0"),
        ("just a string", "'bad': value:"),
    ],
)
def test_a_bad_entry_names_the_server_and_the_field(entry: object, expected: str) -> None:
    with pytest.raises(ToolDefinitionError) as info:
        load_mcp_config({"mcpServers": {"bad": entry}})
    assert expected in str(info.value)


def test_a_bad_secret_is_not_echoed() -> None:
    with pytest.raises(ToolDefinitionError) as info:
        load_mcp_config({"s": {"url": "nope", "headers": {"Authorization": SECRET}}})
    assert SECRET not in str(info.value) and "nope" not in str(info.value)


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(ToolDefinitionError, match=r"cannot read the MCP config 'missing\.json'"):
        load_mcp_config(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"mcpServers": {')
    with pytest.raises(ToolDefinitionError, match=r"'bad\.json' is not JSON: line 1"):
        load_mcp_config(bad)
    with pytest.raises(ToolDefinitionError, match="must be an object"):
        load_mcp_config({"mcpServers": ["a"]})


def test_server_names_that_become_one_identifier_are_refused() -> None:
    clash = r"'my-db' and 'my_db' would both be tools\.my_db"
    with pytest.raises(ToolDefinitionError, match=clash):
        load_mcp_config({"my-db": {"command": "a"}, "my_db": {"command": "b"}})


@pytest.mark.parametrize(
    ("name", "ident"),
    [
        ("time", "time"),
        ("my-server", "my_server"),
        ("a__b", "a_b"),
        ("_x_", "x"),
        ("3d", "server_3d"),
        ("class", "class_server"),
        ("---", "server"),
    ],
)
def test_server_identifiers(name: str, ident: str) -> None:
    assert server_identifier(name) == ident


def test_tool_names_become_identifiers_and_clashes_are_reported() -> None:
    mapping, notes = tool_identifiers(["get-sum", "get_sum", "get.sum", "list/files", "import"])
    assert mapping == {
        "get-sum": "get_sum",
        "get_sum": "get_sum_2",
        "get.sum": "get_sum_3",
        "list/files": "list_files",
        "import": "import_tool",
    }
    assert notes == [
        "get_sum_2 is the MCP tool 'get_sum' (get_sum is 'get-sum')",
        "get_sum_3 is the MCP tool 'get.sum' (get_sum is 'get-sum')",
    ]
    # every identifier joins its server's unambiguously: the first "__" is the boundary
    for ident in mapping.values():
        head, _, tail = flat_name("srv", ident).partition("__")
        assert (head, tail) == ("srv", ident)


def test_a_host_tool_cannot_take_a_servers_name() -> None:
    @tool
    def time() -> str:
        """Clashes with the server."""
        return "now"

    @tool
    def time__now() -> str:
        """Looks like one of its tools."""
        return "now"

    for clash in (time, time__now):
        with pytest.raises(ToolDefinitionError, match="collides with MCP server 'time'"):
            create_code_mode([clash], mcp_servers={"time": {"command": "x"}})


def test_nothing_starts_and_the_sdk_does_not_load_until_used() -> None:
    probe = (
        "import sys, codemode_skills\n"
        "from codemode_skills import create_code_mode\n"
        "cm = create_code_mode(mcp_servers={'t': {'command': 'never-started'}})\n"
        "print(cm.mcp.names, 'mcp' in sys.modules,"
        " any(m.startswith('codemode_skills.mcp') for m in sys.modules))\n"
        "import codemode_skills.codemode\n"
    )
    plain = "import sys, codemode_skills\nprint('mcp' in sys.modules)\n"
    cwd = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=cwd)
    assert out.stdout.split() == ["['t']", "False", "True"], out.stderr
    out = subprocess.run([sys.executable, "-c", plain], capture_output=True, text=True, cwd=cwd)
    assert out.stdout.split() == ["False"], out.stderr


def test_the_prompt_needs_the_servers_started() -> None:
    cm = create_code_mode(mcp_servers={"t": {"command": "never-started"}})
    with pytest.raises(CodeModeError, match=r"await code_mode\.start\(\)"):
        _ = cm.system_prompt
