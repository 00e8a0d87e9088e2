"""``tools.search_tools`` with the real embedding model (all-MiniLM-L6-v2, offline):
what it finds, that each tool is embedded once, and MCP servers' tools found the same way.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest

from codemode_skills import Tool, create_code_mode
from codemode_skills.selection import SentenceTransformerEmbedder
from codemode_skills.selection.tool_index import ToolIndex
from codemode_skills.selection.vector_cache import VectorCache
from codemode_skills.tools.discovery import ToolEntry

from .mcp_cases import probe, time_server

#: A small host catalogue: name -> (description, parameters).
CATALOGUE = {
    "get_weather": ("Current weather and forecast for a city", ["city", "days"]),
    "send_email": ("Send an email message to a recipient", ["to", "subject", "body"]),
    "convert_currency": ("Convert an amount of money between currencies", ["amount", "to"]),
    "book_flight": ("Book a flight ticket between two airports", ["origin", "destination"]),
    "summarize_text": ("Summarize a long document into a few sentences", ["text"]),
    "translate_text": ("Translate text into another language", ["text", "language"]),
    "create_event": ("Add an event to the user's calendar", ["title", "start", "end"]),
    "list_invoices": ("List the invoices of a customer account", ["customer_id"]),
    "search_web": ("Search the web and return the top result pages", ["query"]),
    "resize_image": ("Resize an image to the given width and height", ["image", "width"]),
    "query_database": ("Run a read-only SQL query on the analytics database", ["sql"]),
    "create_ticket": ("Open a support ticket in the help desk", ["title", "priority"]),
}

#: Requests in the user's words (few or no words shared with the description).
REQUESTS = {
    "will I need an umbrella in Bergen tomorrow": "get_weather",
    "how many yen do I get for 200 dollars": "convert_currency",
    "put the dentist appointment on my schedule for Friday": "create_event",
    "give me the gist of this long report": "summarize_text",
    "what does 'merci beaucoup' mean in German": "translate_text",
    "make this photo smaller": "resize_image",
    "our printer is broken, tell IT support": "create_ticket",
}


def host_tools() -> list[Tool]:
    def make(name: str, description: str, params: list[str]) -> Tool:
        schema = {"type": "object", "properties": {p: {"type": "string"} for p in params}}
        return Tool.from_schema(
            name=name, description=description, fn=lambda args: name, input_schema=schema
        )

    return [make(name, d, p) for name, (d, p) in CATALOGUE.items()]


@pytest.fixture(scope="module")
def minilm() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder()


def entries() -> list[ToolEntry]:
    return [ToolEntry(t.name, t.description, t.input_schema) for t in host_tools()]


@pytest.mark.parametrize("request_text", list(REQUESTS))
def test_requests_in_other_words_find_their_tool(
    minilm: SentenceTransformerEmbedder, request_text: str
) -> None:
    ranking = ToolIndex(minilm, cache=VectorCache()).build(entries())
    assert REQUESTS[request_text] in ranking.search(request_text, 3)


def test_the_embedding_finds_what_words_alone_cannot(minilm: SentenceTransformerEmbedder) -> None:
    query = "will I need an umbrella in Bergen tomorrow"
    lexical = ToolIndex(minilm, mode="lexical").build(entries())
    assert lexical.search(query, 5) == []  # no word in common with any tool
    hybrid = ToolIndex(minilm, cache=VectorCache()).build(entries())
    assert hybrid.search(query, 1) == ["get_weather"]


def test_each_tool_is_embedded_once_across_code_modes(minilm: SentenceTransformerEmbedder) -> None:
    cache = VectorCache()
    ToolIndex(minilm, cache=cache).build(entries())
    assert cache.embedded == len(CATALOGUE)
    ToolIndex(minilm, cache=cache).build(entries())  # another code mode, same tools
    assert cache.embedded == len(CATALOGUE)
    changed = [ToolEntry(e.path, e.description + " (v2)", e.input_schema) for e in entries()[:1]]
    ToolIndex(minilm, cache=cache).build(changed + entries()[1:])
    assert cache.embedded == len(CATALOGUE) + 1


def test_vectors_on_disk_survive_a_restart(
    minilm: SentenceTransformerEmbedder, tmp_path: Path
) -> None:
    path = tmp_path / "tool-vectors.sqlite"
    first = VectorCache(path)
    before = ToolIndex(minilm, cache=first).build(entries())
    assert first.embedded == len(CATALOGUE)
    again = VectorCache(path)  # a new process would open the same file
    after = ToolIndex(minilm, cache=again).build(entries())
    assert again.embedded == 0
    query = "how many yen do I get for 200 dollars"
    assert after.search(query, 5) == before.search(query, 5)


async def test_start_indexes_the_tools_and_a_search_embeds_only_its_query(
    subprocess_driver: Any, minilm: SentenceTransformerEmbedder
) -> None:
    cache = VectorCache()
    cm = create_code_mode(
        host_tools(),
        driver=subprocess_driver,
        discovery=ToolIndex(minilm, cache=cache),
        discovery_threshold=5,
    )
    await cm.start()
    assert cache.embedded == len(CATALOGUE)
    code = (
        "import asyncio\n"
        "a, b = await asyncio.gather(\n"
        "    tools.search_tools('will I need an umbrella in Bergen tomorrow', limit=1),\n"
        "    tools.search_tools('make this photo smaller', limit=1, full=True))\n"
        "return [a[0]['name'], b[0]['name'], b[0]['stub'].splitlines()[0]]"
    )
    result = await cm.execute(code)
    assert result.success, result.error
    assert result.result == [
        "tools.get_weather",
        "tools.resize_image",
        "async def resize_image(image: str = None, width: str = None) -> Any:",
    ]
    assert cache.embedded == len(CATALOGUE)
    cm.events.close()  # the driver is the session's


async def _until(check: Any, timeout_s: float = 10.0) -> bool:
    for _ in range(int(timeout_s / 0.05)):
        if check():
            return True
        await asyncio.sleep(0.05)
    return check()


async def test_mcp_servers_tools_are_found_and_called(
    subprocess_driver: Any, minilm: SentenceTransformerEmbedder
) -> None:
    servers = {"time": time_server(), "probe": probe()}
    cm = create_code_mode(
        host_tools(),
        driver=subprocess_driver,
        mcp_servers=servers,
        discovery=ToolIndex(minilm, cache=VectorCache()),
        discovery_threshold=10,
        timeout_s=20,
    )
    try:
        await cm.start()
        prompt = cm.system_prompt
        assert "async def get_current_time(" not in prompt
        assert "- `tools.time` (MCP server): 2 tools, get_current_time, convert_time" in prompt
        assert "- `tools.probe` (MCP server):" in prompt
        tools_before = int(re.search(r"There are (\d+) tools", prompt).group(1))  # type: ignore[union-attr]
        code = (
            "found = await tools.search_tools('what time is it in Tokyo right now', limit=3)\n"
            "now = await tools.time.get_current_time(timezone='Asia/Tokyo')\n"
            "return [[f['name'] for f in found], now['timezone']]"
        )
        result = await cm.execute(code)
        assert result.success, result.error
        assert result.result[0][0] == "tools.time.get_current_time"
        assert result.result[1] == "Asia/Tokyo"
        connection = cm.mcp.connection("probe")  # type: ignore[union-attr]
        version = connection.version
        grown = await cm.execute("return await tools.probe.grow(name='fresh-tool')")
        assert grown.success, grown.error
        assert await _until(lambda: connection.version > version)
        found = await cm.execute("return await tools.search_tools('the fresh tool', limit=3)")
        assert found.success, found.error
        assert "tools.probe.fresh_tool" in [f["name"] for f in found.result]
        assert f"There are {tools_before + 1} tools" in cm.system_prompt
    finally:
        if cm.mcp is not None:
            await cm.mcp.close()
        cm.events.close()
