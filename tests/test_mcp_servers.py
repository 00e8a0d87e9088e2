"""MCP servers' tools inside code mode, against real servers started by the fixtures:
``mcp-server-time`` (PyPI), ``server-everything`` (npm) and our probe (``MCPServer``)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from codemode_skills import create_code_mode

from .mcp_cases import everything, probe, time_server

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture(scope="module")
async def cm(subprocess_driver: Any) -> AsyncIterator[Any]:
    servers = {"time": time_server(), "everything": everything(), "probe": probe()}
    mode = create_code_mode(driver=subprocess_driver, mcp_servers=servers, timeout_s=20)
    await mode.start()
    yield mode
    await mode.mcp.close()  # the driver is the session's: not closed here
    mode.events.close()


async def test_a_program_fans_out_to_two_servers_and_combines(cm: Any) -> None:
    code = (
        "import asyncio\n"
        "now, total = await asyncio.gather(\n"
        "    tools.time.get_current_time(timezone='Europe/Oslo'),\n"
        "    tools.everything.get_sum(a=20, b=22),\n"
        ")\n"
        "return {'zone': now['timezone'], 'dst_known': isinstance(now['is_dst'], bool),\n"
        "        'sum': total}"
    )
    result = await cm.execute(code)
    assert result.success, result.error
    assert result.result == {
        "zone": "Europe/Oslo",
        "dst_known": True,
        "sum": "The sum of 20 and 22 is 42.",
    }
    assert result.tool_calls == 2


async def test_the_prompt_carries_typed_stubs_per_server(cm: Any) -> None:
    prompt = cm.system_prompt
    assert "MCP server `time` (call as `await tools.time.<tool>(...)`)" in prompt
    assert "async def get_current_time(timezone: str) -> " in prompt
    # $defs/$ref, an enum, optional fields, arrays and descriptions (the probe's forecast)
    assert "class Forecast(TypedDict):" in prompt
    assert "readings: list[Reading]" in prompt
    assert "note: NotRequired[str | None]" in prompt
    assert 'unit: Literal["celsius", "fahrenheit"] = "celsius"' in prompt
    assert "temp: float  # Temperature in the requested unit" in prompt
    # renamed tools say what the server calls them
    assert "async def get_sum(a: float, b: float) -> Any:" in prompt
    assert "(MCP tool 'get-sum')" in prompt


async def test_a_schema_invalid_call_never_reaches_the_server(cm: Any) -> None:
    before = await cm.execute("return await tools.probe.forecast_calls()")
    for call in ("tools.probe.forecast(city=7)", "tools.probe.forecast(unit='kelvin')"):
        result = await cm.execute(f"return await {call}")
        assert result.error is not None and result.error.type == "ToolValidationError"
    assert result.error.message.startswith("probe.forecast(): invalid input: ")
    assert "'city' is a required property" in result.error.message
    first = await cm.execute("return await tools.probe.forecast(city=7)")
    assert "city: 7 is not of type 'string'" in first.error.message
    after = await cm.execute("return await tools.probe.forecast_calls()")
    assert after.result == before.result  # the server was not called


async def test_structured_content_is_the_value(cm: Any) -> None:
    result = await cm.execute(
        "f = await tools.probe.forecast(city='Oslo', unit='fahrenheit', hours=3)\n"
        "return [f['unit'], [r['hour'] for r in f['readings']]]"
    )
    assert result.result == ["fahrenheit", [0, 1, 2]], result.error


async def test_an_is_error_result_raises_tool_error_with_the_servers_message(cm: Any) -> None:
    result = await cm.execute(
        "try:\n    await tools.probe.fail(message='no way')\n"
        "except ToolError as exc:\n    return str(exc)"
    )
    assert result.success
    assert result.result.startswith("probe.fail() failed: ")
    assert "refused: no way" in result.result


async def test_a_large_result_stays_out_of_the_returned_context(cm: Any) -> None:
    result = await cm.execute(
        "text = await tools.probe.big(size=2_000_000)\n"
        "print('got', len(text['result']))\n"
        "return text['result'].count('x')"
    )
    assert result.success and result.result == 2_000_000
    assert len(json.dumps(result.for_model())) < 1_000


async def test_an_image_is_a_typed_value_kept_in_the_program(cm: Any) -> None:
    result = await cm.execute(
        "img = await tools.probe.pixel()\n"
        "import base64\n"
        "return [img['type'], img['mime_type'], base64.b64decode(img['data'])[:4] == b'\\x89PNG']"
    )
    assert result.result == ["image", "image/png", True], result.error
    assert "iVBOR" not in json.dumps(result.for_model())


async def test_several_content_parts_are_a_list(cm: Any) -> None:
    result = await cm.execute(
        "parts = await tools.everything.get_tiny_image()\n"
        "return [p if isinstance(p, str) else p['type'] for p in parts]"
    )
    assert result.success, result.error
    assert result.result[0] == "Here's the image you requested:" and "image" in result.result


async def test_a_per_call_timeout_is_a_tool_error(subprocess_driver: Any) -> None:
    servers = {"probe": {**probe(), "timeout": 0.5}}
    mode = create_code_mode(driver=subprocess_driver, mcp_servers=servers)
    try:
        result = await mode.execute("return await tools.probe.slow(seconds=30)")
        assert result.error is not None and result.error.type == "ToolError"
        assert result.error.message == "probe.slow() timed out after 0.5 s"
        after = await mode.execute("return await tools.probe.echo(text='still here')")
        assert after.result == {"result": "still here"}
    finally:
        await mode.mcp.close()
        mode.events.close()


async def test_the_execution_timeout_cancels_the_call(cm: Any) -> None:
    result = await cm.execute("return await tools.probe.slow(seconds=60)", timeout_s=1)
    assert result.error is not None and result.error.type == "TimeoutError"
    after = await cm.execute("return await tools.probe.echo(text='ok')")
    assert after.result == {"result": "ok"}  # the same server, not stuck on the old call
