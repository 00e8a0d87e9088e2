"""MCP servers as tools: one program fans out to an MCP server and a host tool.

The `time` server is `mcp-server-time` (PyPI: `pip install mcp-server-time`), started
as a child process; pass your own servers as the path of a desktop assistant's
`{"mcpServers": {...}}` file instead (docs/mcp.md).
"""

import asyncio
import importlib.util
import sys

from codemode_skills import create_code_mode, tool

OFFICES = {"oslo": "Europe/Oslo", "lima": "America/Lima", "tokyo": "Asia/Tokyo"}


@tool
def office_zones() -> dict[str, str]:
    """Our offices and their time zones."""
    return OFFICES


PROGRAM = """
import asyncio
zones = await tools.office_zones()
times = await asyncio.gather(*(tools.time.get_current_time(timezone=z) for z in zones.values()))
open_now = [o for o, t in zip(zones, times) if 9 <= int(t["datetime"][11:13]) < 17]
print("checked", len(zones), "offices")
return {"open_now": open_now, "hours": {o: t["datetime"][11:16] for o, t in zip(zones, times)}}
"""


async def main() -> None:
    if (
        importlib.util.find_spec("mcp") is None
        or importlib.util.find_spec("mcp_server_time") is None
    ):
        print("(this example needs: pip install 'codemode-skills[mcp]' mcp-server-time)")
        return
    servers = {"time": {"command": sys.executable, "args": ["-m", "mcp_server_time"]}}
    async with create_code_mode([office_zones], mcp_servers=servers) as cm:
        stubs = cm.system_prompt
        print(stubs[stubs.index("MCP server `time`") :].splitlines()[0])
        result = await cm.execute(PROGRAM)
        print(result.for_model())


if __name__ == "__main__":
    asyncio.run(main())
