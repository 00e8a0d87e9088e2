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


def test_cli_demo_runs_offline() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "codemode_skills.cli.main", "demo"],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"},
    )
    assert proc.returncode == 0, proc.stderr
    assert '"warmest_dry_city": "Cairo"' in proc.stdout
    assert "PolicyViolation" in proc.stdout


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
        [sys.executable, "-m", "codemode_skills.cli.main", "run", str(program)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["result"] == 120
