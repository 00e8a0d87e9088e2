"""Progressive tool discovery, the plumbing: the prompt switch, ``tools.search_tools``
through the bridge (validation, limits, events, audit, errors), and the catalogue.

These run the real ``ToolIndex`` in lexical mode (BM25 only, no embedding model): what
is tested here is where the tool sits and what crosses the boundary, not retrieval
quality (``test_discovery_search.py`` uses the real model for that).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from codemode_skills import Tool, ToolDefinitionError, create_code_mode, tool
from codemode_skills.events import EventType
from codemode_skills.sandbox import RunLimits
from codemode_skills.security.audit import MemoryAuditLog
from codemode_skills.selection.tool_index import ToolIndex
from codemode_skills.tools.discovery import Catalogue, Discovery, ToolEntry

from .conftest import TEST_TOOLS


def filler(n: int) -> list[Tool]:
    """``n`` distinct, plausible host tools (inventory lookups by warehouse)."""

    def make(i: int) -> Tool:
        return Tool.from_schema(
            name=f"warehouse_{i}_stock",
            description=f"Stock levels of warehouse number {i}.",
            fn=lambda args: {"units": 7},
            input_schema={
                "type": "object",
                "properties": {"sku": {"type": "string"}},
                "required": ["sku"],
            },
        )

    return [make(i) for i in range(n)]


def lexical_mode(driver: Any, tools: list[Any], threshold: int = 10, **kw: Any) -> Any:
    index = ToolIndex(mode="lexical")
    return create_code_mode(
        tools, driver=driver, discovery=index, discovery_threshold=threshold, **kw
    )


def test_below_the_threshold_the_prompt_carries_every_stub(driver: Any) -> None:
    cm = lexical_mode(driver, TEST_TOOLS, threshold=len(TEST_TOOLS))
    assert "async def add(a: int, b: int) -> int:" in cm.system_prompt
    assert "search_tools" not in cm.system_prompt


def test_above_the_threshold_the_prompt_lists_namespaces(driver: Any) -> None:
    tools = [*TEST_TOOLS, *filler(200)]
    full = create_code_mode(tools, driver=driver).system_prompt
    cm = lexical_mode(driver, tools)
    prompt = cm.system_prompt
    assert "async def add(" not in prompt and "async def warehouse_3_stock(" not in prompt
    assert "There are 205 tools" in prompt
    assert "await tools.search_tools(query, limit=5, full=False)" in prompt
    line = next(ln for ln in prompt.splitlines() if ln.startswith("- `tools`"))
    assert line.startswith("- `tools`: 205 host tools, e.g. add, slow_echo,")
    assert len(line) <= 100
    assert len(prompt) < len(full) / 5


async def test_search_tools_is_called_like_any_host_tool(driver: Any) -> None:
    cm = lexical_mode(driver, [*TEST_TOOLS, *filler(30)], timeout_s=10)
    code = (
        "found = await tools.search_tools('add two integers, echo a value', limit=2, full=True)\n"
        "names = [f['name'] for f in found]\n"
        "total = await tools.add(a=2, b=3)\n"
        "return {'names': names, 'stub': found[0]['stub'], 'keys': sorted(found[1]),\n"
        "        'total': total}"
    )
    result = await cm.execute(code)
    assert result.success, result.error
    assert result.result["names"][0] == "tools.add"
    assert len(result.result["names"]) == 2
    assert "async def add(a: int, b: int) -> int:" in result.result["stub"]
    assert result.result["keys"] == ["description", "name", "stub"]
    assert result.result["total"] == 5
    brief = await cm.execute("return await tools.search_tools(query='warehouse 7 stock')")
    assert brief.success, brief.error
    assert brief.result[0] == {
        "name": "tools.warehouse_7_stock",
        "description": "Stock levels of warehouse number 7.",
    }
    assert len(brief.result) == 5


async def test_below_the_threshold_there_is_no_search_tools(driver: Any) -> None:
    cm = lexical_mode(driver, TEST_TOOLS, threshold=50)
    result = await cm.execute("return await tools.search_tools('add')")
    assert result.error is not None and result.error.type == "AttributeError"


async def test_a_tool_named_outright_comes_first(driver: Any) -> None:
    cm = lexical_mode(driver, [*TEST_TOOLS, *filler(30)])
    result = await cm.execute("return await tools.search_tools('tools.bad_output', limit=1)")
    assert result.success, result.error
    assert [r["name"] for r in result.result] == ["tools.bad_output"]


@pytest.mark.parametrize(
    "call",
    [
        "tools.search_tools('x', limit=0)",
        "tools.search_tools('x', limit=21)",
        "tools.search_tools('')",
        "tools.search_tools('x', secret=True)",
        "tools.search_tools(limit=3)",
        "tools.search_tools('x', 3, True, 'extra')",
    ],
)
async def test_bad_searches_are_refused_before_searching(driver: Any, call: str) -> None:
    class Refusing:
        def build(self, entries: Any) -> Any:
            raise AssertionError("a refused search must not reach the index")

    tools = [*TEST_TOOLS, *filler(20)]
    cm = create_code_mode(tools, driver=driver, discovery=Refusing(), discovery_threshold=0)
    result = await cm.execute(f"return await {call}")
    assert result.error is not None and result.error.type == "ToolValidationError", result.error
    assert "search_tools()" in result.error.message


async def test_a_failing_index_shows_no_host_path(driver: Any) -> None:
    class Broken:
        def build(self, entries: Any) -> Any:
            raise OSError("[Errno 2] No such file: '/opt/models/minilm/config.json'")

    cm = create_code_mode(TEST_TOOLS, driver=driver, discovery=Broken(), discovery_threshold=0)
    result = await cm.execute(
        "try:\n    await tools.search_tools('add')\nexcept ToolError as exc:\n    return str(exc)\n"
    )
    assert result.success, result.error
    assert result.result == "search_tools() failed: the tool index is unavailable"


async def test_search_calls_pass_the_bridge_events_audit_and_limits(driver: Any) -> None:
    seen: list[Any] = []
    audit = MemoryAuditLog()
    cm = lexical_mode(
        driver,
        [*TEST_TOOLS, *filler(20)],
        on_event=seen.append,
        audit=audit,
        limits=RunLimits(max_tool_calls=2),
    )
    result = await cm.execute(
        "for _ in range(3):\n    await tools.search_tools('stock of a warehouse')\n"
    )
    assert result.error is not None and "tool call" in result.error.message.lower()
    calls = [e for e in seen if e.type == EventType.TOOL_CALL]
    assert [e.data["name"] for e in calls] == ["search_tools", "search_tools"]
    assert [r.target for r in audit.records] == ["search_tools", "search_tools"]


def test_a_host_tool_may_not_take_the_search_tools_name(driver: Any) -> None:
    @tool(name="search_tools")
    def mine(query: str) -> str:
        """A host tool of that name."""
        return query

    create_code_mode([mine], driver=driver)  # without discovery it is an ordinary name
    with pytest.raises(ToolDefinitionError, match="search_tools"):
        lexical_mode(driver, [mine])


def test_bad_discovery_settings_are_refused(driver: Any) -> None:
    with pytest.raises(ValueError, match="discovery_threshold"):
        lexical_mode(driver, TEST_TOOLS, threshold=-1)
    with pytest.raises(TypeError, match="ToolSearch"):
        create_code_mode(TEST_TOOLS, driver=driver, discovery=object())  # type: ignore[arg-type]


async def test_tools_added_later_are_counted_and_found(driver: Any) -> None:
    cm = lexical_mode(driver, TEST_TOOLS, threshold=len(TEST_TOOLS))
    assert "async def add(" in cm.system_prompt
    cm.add_tools(filler(3))
    assert "There are 8 tools" in cm.system_prompt
    result = await cm.execute("return (await tools.search_tools('warehouse 2', limit=1))")
    assert result.success, result.error
    assert result.result[0]["name"] == "tools.warehouse_2_stock"


@dataclass
class FakeSection:
    """The shape of an MCP server's prompt section (``mcp.servers.Section``)."""

    server: str
    entries: list[Any] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def test_the_catalogue_names_server_tools_by_their_call_path() -> None:
    schema = {"type": "object", "properties": {"timezone": {"type": "string"}}}
    sections = [
        FakeSection("time", [("get_current_time", "Now, in a zone.\nMore.", schema, None)]),
        FakeSection("down", notes=["this server is unavailable (it is not running)"]),
    ]
    catalogue = Catalogue.of(TEST_TOOLS[:1], sections)
    assert list(catalogue.entries) == ["add", "time.get_current_time"]
    entry = catalogue.entries["time.get_current_time"]
    assert (entry.call, entry.ident, entry.summary) == (
        "tools.time.get_current_time",
        "get_current_time",
        "Now, in a zone.",
    )
    assert entry.stub().startswith("async def get_current_time(timezone: str = None)")
    assert [g.line() for g in catalogue.groups] == [
        "- `tools`: 1 host tool, add",
        "- `tools.time` (MCP server): 1 tool, get_current_time",
        "- `tools.down` (MCP server): 0 tools\n  - this server is unavailable (it is not running)",
    ]
    assert catalogue.exact("await tools.time.get_current_time()") is entry
    assert catalogue.exact("get_current_time") is entry
    assert catalogue.exact("current time") is None


def test_the_digest_moves_with_the_schema_only() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}}
    one = ToolEntry("x", "Does x.", schema)
    assert one.digest == ToolEntry("x", "Does x.", dict(schema)).digest
    assert one.digest != ToolEntry("x", "Does x.", {"type": "object"}).digest
    assert one.digest != ToolEntry("x", "Does y.", schema).digest


def test_the_catalogue_is_rebuilt_only_when_the_tools_change() -> None:
    discovery = Discovery(ToolIndex(mode="lexical"), threshold=0)
    host = list(TEST_TOOLS)
    first = discovery.catalogue(host)
    assert discovery.catalogue(list(host)) is first
    assert discovery.catalogue(host[:-1]) is not first
