"""A server's secrets (its ``env``, its HTTP ``headers``) never reach a program, the
prompt, an error, an event or the host's log: the attacks are a program looking for
them and servers that echo them back."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from codemode_skills import create_code_mode

from .mcp_cases import http_everything, probe

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

TOKEN = "tok-9f8e7d6c5b4a"
HEADER = "Bearer hdr-0a1b2c3d4e5f"

SEARCH = (
    "found = [dir(tools), dir(tools.probe), repr(tools), repr(tools.probe)]\n"
    "found.append(await tools.probe.secret())\n"
    "try:\n    await tools.probe.leak()\nexcept ToolError as exc:\n    found.append(str(exc))\n"
    "for probe in ('tools.probe.secret.__closure__', 'vars(tools.probe)', 'globals()'):\n"
    "    try:\n        found.append(repr(eval(probe)))\n"
    "    except Exception as exc:\n        found.append(type(exc).__name__)\n"
    "return found"
)


async def test_a_program_finds_no_secret_and_echoed_ones_are_redacted(
    subprocess_driver: Any, caplog: pytest.LogCaptureFixture
) -> None:
    events: list[Any] = []
    mode = create_code_mode(
        driver=subprocess_driver,
        mcp_servers={"probe": probe(PROBE_TOKEN=TOKEN)},
        on_event=events.append,
    )
    caplog.set_level(logging.DEBUG, logger="codemode_skills")
    try:
        await mode.start()
        result = await mode.execute(SEARCH)
        crashed = await mode.execute("return await tools.probe.crash()")  # logs its stderr
        prompt = mode.system_prompt
    finally:
        await mode.mcp.close()
        mode.events.close()
    assert result.success, result.error
    found = result.result
    assert found[4] == {"result": "my token is [redacted]!"}  # the server had it
    assert (
        found[5]
        == "probe.leak() failed: Error executing tool leak: upstream refused token [redacted]"
    )
    seen = [json.dumps(found), result.model_dump_json(), crashed.model_dump_json(), prompt]
    seen += [repr(e) for e in events] + [r.getMessage() for r in caplog.records]
    assert not [text for text in seen if TOKEN in text]
    assert repr(mode.mcp.configs["probe"]).count("**********")


async def test_http_headers_stay_on_the_host(subprocess_driver: Any) -> None:
    with http_everything() as url:
        servers = {"remote": {"url": url, "headers": {"Authorization": HEADER}}}
        mode = create_code_mode(driver=subprocess_driver, mcp_servers=servers)
        try:
            await mode.start()
            result = await mode.execute(
                "return [await tools.remote.echo(message='over http'), dir(tools.remote)[:3]]"
            )
            prompt = mode.system_prompt
        finally:
            await mode.mcp.close()
            mode.events.close()
    assert result.success, result.error
    assert result.result[0] == "Echo: over http"
    assert HEADER not in prompt and HEADER not in result.model_dump_json()
