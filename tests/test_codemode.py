"""The facade: prompt, execute tool, lifecycle, and the command line."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from codemode_skills import CodeMode, InProcessDriver, ToolDefinitionError, create_code_mode, tool

from .conftest import TEST_TOOLS


def test_system_prompt_has_rules_example_and_stubs() -> None:
    cm = create_code_mode(TEST_TOOLS, driver=InProcessDriver())
    prompt = cm.system_prompt
    assert "execute_python" in prompt
    assert "asyncio.gather" in prompt and "return" in prompt
    assert "async def add(a: int, b: int) -> int:" in prompt
    assert "async def slow_echo(value: str, delay: float = 0.2) -> dict[str, Any]:" in prompt
    assert '"""Add two integers."""' in prompt


def test_execute_tool_schema() -> None:
    cm = create_code_mode([], driver=InProcessDriver())
    assert cm.tool.name == "execute_python"
    schema = cm.tool.parameters_schema()
    assert schema["required"] == ["code"]
    assert schema["properties"]["code"]["type"] == "string"


def test_duplicate_and_invalid_tools_are_refused() -> None:
    with pytest.raises(ToolDefinitionError, match="duplicate"):
        create_code_mode([TEST_TOOLS[0], TEST_TOOLS[0]], driver=InProcessDriver())
    with pytest.raises(ToolDefinitionError, match="not a Tool"):
        create_code_mode([lambda: 1], driver=InProcessDriver())  # type: ignore[list-item]

    @tool(name="execute_python")
    def clash() -> int:
        """Clashes with the execute tool."""
        return 1

    with pytest.raises(ToolDefinitionError):
        create_code_mode([clash], driver=InProcessDriver())


def test_bad_limits_are_refused() -> None:
    with pytest.raises(ValueError):
        CodeMode([], driver=InProcessDriver(), timeout_s=0)


async def test_default_driver_context_manager() -> None:
    async with create_code_mode(TEST_TOOLS) as cm:
        assert cm.driver.name == "subprocess"
        assert "namespaces" in cm.driver.isolation["active"] or cm.driver.isolation["inactive"]
        result = await cm.execute("return await tools.add(a=20, b=22)")
    assert result.result == 42


def test_cli_demo_runs_offline(tmp_path) -> None:
    from codemode_skills.storage import open_storage

    store = f"sqlite:///{tmp_path / 'demo.db'}"
    proc = subprocess.run(
        [sys.executable, "-m", "codemode_skills.cli.main", "demo", "--store", store],
        capture_output=True,
        text=True,
        timeout=240,
        env={"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"},
    )
    assert proc.returncode == 0, proc.stderr
    assert '"city": "Cairo"' in proc.stdout
    assert "PolicyViolation" in proc.stdout
    assert "skill saved: warmest_dry_city" in proc.stdout
    assert "selected skills: warmest_dry_city" in proc.stdout
    assert "untrusted → provisional" in proc.stdout
    skill = open_storage(store, tenant="demo").get("warmest_dry_city")
    assert skill.stats.executions == 3 and skill.trust.value == "provisional"
    assert open_storage(store, tenant="demo").embeddings("all-MiniLM-L6-v2")


def test_cli_isolation_and_run(tmp_path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "codemode_skills.cli.main", "isolation"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["driver"] == "subprocess"
    program = tmp_path / "p.py"
    program.write_text("import math\nreturn math.factorial(5)\n")
    proc = subprocess.run(
        [sys.executable, "-m", "codemode_skills.cli.main", "exec", str(program)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["result"] == 120


def test_cli_skills_commands(tmp_path) -> None:
    from codemode_skills.skills import SkillChanges, SkillSpec
    from codemode_skills.storage import open_storage

    store = f"sqlite:///{tmp_path / 'cli.db'}"
    storage = open_storage(store, tenant="acme")
    storage.create(
        SkillSpec(
            name="weekly_report", description="Build the weekly sales report", code="return 1"
        )
    )
    storage.update("weekly_report", SkillChanges(code="return 2"), note="faster")

    def cli(*args: str, tenant: str = "acme") -> subprocess.CompletedProcess[str]:
        cmd = [
            sys.executable,
            "-m",
            "codemode_skills.cli.main",
            "skills",
            "--store",
            store,
            "--tenant",
            tenant,
            *args,
        ]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120)

    assert "weekly_report" in cli("list").stdout
    assert '"code": "return 2"' in cli("show", "weekly_report").stdout
    history = cli("history", "weekly_report").stdout
    assert "v1" in history and "v2" in history and "faster" in history
    assert "weekly_report" in cli("search", "sales report").stdout
    assert cli("rollback", "weekly_report", "1").returncode == 0
    assert storage.get("weekly_report").code == "return 1"
    exported = tmp_path / "skills.jsonl"
    assert cli("export", str(exported)).returncode == 0
    assert cli("import", str(exported), tenant="globex").returncode == 0
    assert open_storage(store, tenant="globex").get("weekly_report").code == "return 1"
    assert cli("deprecate", "weekly_report").returncode == 0
    assert storage.get("weekly_report").status.value == "deprecated"
    missing = cli("show", "nope")
    assert missing.returncode == 1 and "no skill named" in missing.stderr


def test_cli_chat_and_run_with_an_openai_compatible_server(tmp_path, api) -> None:
    import json as _json

    from codemode_skills.storage import open_storage
    from tests.fakeapi import chat

    store = f"sqlite:///{tmp_path / 'chat.db'}"
    program = _json.dumps({"code": "print('thinking'); return 6 * 7"})
    api.reply(chat(calls=[("c1", "execute_python", program)]))
    api.reply(chat("It is 42."))
    api.reply(chat("You asked about 6 times 7."))
    common = ["--base-url", api.url + "/v1", "--store", store, "--tenant", "me", "--no-selection"]
    env = {"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "codemode_skills.cli.main", "chat", *common],
        input="what is 6 times 7?\nwhat did I ask?\n",
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["It is 42.", "You asked about 6 times 7."]
    assert "→ execute_python" in proc.stderr and "| thinking" in proc.stderr
    second = api.requests[2]["body"]["messages"]  # the conversation went along
    assert [m["role"] for m in second][-2:] == ["assistant", "user"]
    assert _json.loads(second[3]["content"])["result"] == 42
    assert "register_skill" in [t["function"]["name"] for t in api.requests[0]["body"]["tools"]]
    api.reply(chat("Done."))
    one = subprocess.run(
        [sys.executable, "-m", "codemode_skills.cli.main", "run", "say done", *common],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert one.returncode == 0 and one.stdout.strip() == "Done."
    assert open_storage(store, tenant="me").list() == []  # nothing was saved
    missing = subprocess.run(
        [sys.executable, "-m", "codemode_skills.cli.main", "run", "hi", "--no-selection"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert missing.returncode == 2 and "OPENAI_API_KEY" in missing.stderr


def test_cli_chat_prints_no_terminal_controls(tmp_path, api) -> None:
    """F23's class in `chat`: program logs and the model's text reach the terminal with
    control and bidi characters escaped, never raw (ESC[2K ESC[1G could rewrite a line)."""
    import json as _json

    from tests.fakeapi import chat

    hidden = "\x1b[2K\x1b[1G\u202e\x07"
    program = _json.dumps({"code": f"print({hidden!r} + 'log'); return 1"})
    api.reply(chat(calls=[("c1", "execute_python", program)]))
    api.reply(chat("answer " + hidden))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "codemode_skills.cli.main",
            "chat",
            "--base-url",
            api.url + "/v1",
            "--store",
            f"sqlite:///{tmp_path / 'c.db'}",
            "--no-selection",
        ],
        input="go\n",
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"},
    )
    assert proc.returncode == 0, proc.stderr
    for stream in (proc.stdout, proc.stderr):
        assert not any(c in stream for c in "\x1b\u202e\x07"), repr(stream)
    assert "\\x1b[2K" in proc.stdout and "\\u202e" in proc.stdout
    assert "\\x1b[2K" in proc.stderr  # the program's log line
