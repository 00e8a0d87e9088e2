"""Progressive tool discovery: ``tools.search_tools`` when the prompt cannot carry every stub.

With hundreds of tools (most of them from MCP servers) the stubs alone would fill the
prompt. Above a threshold the code mode's prompt lists only the namespaces, one line
each, and the program finds what it needs with ``await tools.search_tools("what I
need", limit=5)``: names and one-line descriptions, the stubs with ``full=True``.

This is the part the code mode (L3) holds: the catalogue of what a program can call, the
prompt block, and ``search_tools`` itself, a plain ``Tool``, so its calls pass the same
bridge, validation, audit, events and call limits as any host tool. The ranking is behind
the two-method ``ToolSearch`` protocol because the code mode may not import ``selection``
(L5), which implements it with the skills' hybrid retrieval (``selection.ToolIndex``): the
caller hands one in (``create_code_mode(discovery=ToolIndex())``).
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from ..errors import ToolError
from .stubs import render_stubs
from .tool import Tool

log = logging.getLogger("codemode_skills.discovery")

#: The tool's name inside the sandbox: ``tools.search_tools(...)``.
SEARCH_TOOLS = "search_tools"
#: Tools (host + MCP) a prompt lists as stubs before it switches to discovery.
DEFAULT_THRESHOLD = 40
#: Results one search may return, at most (its output stays bounded).
MAX_LIMIT = 20
#: Characters of a one-line description, at most.
SUMMARY_CHARS = 160
#: Characters of a namespace's line in the prompt (its example names stop there).
LINE_CHARS = 100

StubEntry = tuple[str, str, dict[str, Any], dict[str, Any] | None]


@dataclass(frozen=True)
class ToolEntry:
    """One callable tool as discovery sees it. ``path`` is what follows ``tools.`` in a
    program: ``get_weather`` for a host tool, ``time.get_current_time`` for a server's."""

    path: str
    description: str
    input_schema: dict[str, Any]
    output_schema: dict[str, Any] | None = None

    @property
    def ident(self) -> str:
        """The function's own name (the stub's ``async def``)."""
        return self.path.rpartition(".")[2]

    @property
    def call(self) -> str:
        return f"tools.{self.path}"

    @functools.cached_property
    def digest(self) -> str:
        """A hash of the name, description and schemas: an index rebuilds (and a vector
        cache re-embeds) a tool only when it changes."""
        raw = json.dumps(
            [self.path, self.description, self.input_schema, self.output_schema],
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(raw.encode()).hexdigest()[:32]

    @property
    def params(self) -> list[str]:
        props = self.input_schema.get("properties")
        return [str(k) for k in props] if isinstance(props, dict) else []

    @property
    def summary(self) -> str:
        """The description's first line, bounded."""
        first = next((ln.strip() for ln in self.description.splitlines() if ln.strip()), "")
        if len(first) <= SUMMARY_CHARS:
            return first
        return first[: SUMMARY_CHARS - 3].rstrip() + "..."

    def stub(self) -> str:
        return render_stubs([(self.ident, self.description, self.input_schema, self.output_schema)])


class ToolRanking(Protocol):
    """One catalogue, ready to search (what ``ToolSearch.build`` returns)."""

    def search(self, query: str, limit: int) -> list[str]:
        """The ``path`` of the best ``limit`` entries for ``query``, best first. Called on
        a worker thread: it may embed the query."""
        ...


class ToolSearch(Protocol):
    """What ranks tools for ``search_tools`` (``selection.ToolIndex``). One may serve many
    code modes: each hands it its own catalogue."""

    def build(self, entries: Sequence[ToolEntry]) -> ToolRanking:
        """Index ``entries`` (called on a worker thread, once per catalogue change; it may
        embed the entries it has not seen)."""
        ...


class HostTool(Protocol):
    name: str
    description: str
    input_schema: dict[str, Any]
    output_schema: dict[str, Any] | None


class ServerSection(Protocol):
    """An MCP server's part of the prompt (``mcp.servers.Section``)."""

    server: str
    entries: list[StubEntry]
    notes: list[str]


@dataclass
class Group:
    """One namespace's line: ``tools`` (host tools, ``server`` None) or ``tools.<server>``."""

    server: str | None
    names: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        where = "`tools`" if self.server is None else f"`tools.{self.server}` (MCP server)"
        kind = "host tool" if self.server is None else "tool"
        count = f"{len(self.names)} {kind}{'' if len(self.names) == 1 else 's'}"
        head = f"- {where}: {count}"
        shown: list[str] = []
        for name in self.names:
            if len(head) + len(", ".join([*shown, name])) + 9 > LINE_CHARS:
                break
            shown.append(name)
        if shown:
            rest = ", ..." if len(shown) < len(self.names) else ""
            head += f", {'e.g. ' if rest else ''}{', '.join(shown)}{rest}"
        return head + "".join(f"\n  - {note}" for note in self.notes)


@dataclass
class Catalogue:
    """Everything a program can call, by ``path``, and the namespaces' lines."""

    entries: dict[str, ToolEntry]
    groups: list[Group]

    @classmethod
    def of(cls, host: Iterable[HostTool], sections: Iterable[ServerSection] = ()) -> Catalogue:
        entries: dict[str, ToolEntry] = {}
        groups: list[Group] = []
        local = Group(None)
        for t in host:
            entries[t.name] = ToolEntry(t.name, t.description, t.input_schema, t.output_schema)
            local.names.append(t.name)
        if local.names:
            groups.append(local)
        for section in sections:
            group = Group(section.server, notes=list(section.notes))
            for ident, description, input_schema, output_schema in section.entries:
                path = f"{section.server}.{ident}"
                entries[path] = ToolEntry(path, description, input_schema, output_schema)
                group.names.append(ident)
            groups.append(group)
        return cls(entries, groups)

    def __len__(self) -> int:
        return len(self.entries)

    def exact(self, query: str) -> ToolEntry | None:
        """The entry a query names outright (``time.get_current_time``, with or without
        ``tools.`` or ``()``; a bare function name when only one tool has it)."""
        text = query.strip().removeprefix("await ").removeprefix("tools.").removesuffix("()")
        if text in self.entries:
            return self.entries[text]
        named = [e for e in self.entries.values() if e.ident == text]
        return named[0] if len(named) == 1 else None


PROMPT = """\
There are {count} tools, too many to show here; their namespaces are below. Find the ones
you need from your program with `await tools.{search}(query, limit=5, full=False)`: the
best matches first, as `{{"name": ..., "description": ...}}` where the name is how to call
it (`tools.<tool>` or `tools.<server>.<tool>`), and with `full=True` each one's `"stub"`
(its parameters and result type). Search by what you need ("convert a time between
zones"), one search per need (`asyncio.gather` runs several). Print what you found and
call the tools in your next program; call one in the same program only when its stub
leaves no doubt about the arguments.

```python
found = await tools.{search}("current time in a timezone", limit=3, full=True)
for t in found:
    print(t["name"], t["stub"], sep="\\n")
```

Namespaces:
"""


class SearchToolsInput(BaseModel):
    """``tools.search_tools(query, limit=5, full=False)``."""

    model_config = ConfigDict(extra="forbid")  # a misspelt option is an error, not ignored

    query: str = Field(min_length=1, max_length=1000, description="What you need, in words.")
    limit: int = Field(default=5, ge=1, le=MAX_LIMIT, description="How many results, at most.")
    full: bool = Field(default=False, description="Add each tool's stub.")


class Discovery:
    """One code mode's discovery: its catalogue, its prompt block and ``search_tools``.

    ``search``: the index (``selection.ToolIndex``). Above ``threshold`` tools the code
    mode uses ``prompt`` instead of the stubs and registers ``tool``. A catalogue is
    indexed once (``prepare``, on a thread); ``CodeMode.start`` prepares it, else the
    first search does.
    """

    def __init__(self, search: ToolSearch, *, threshold: int = DEFAULT_THRESHOLD) -> None:
        if not callable(getattr(search, "build", None)):
            raise TypeError(f"discovery must implement ToolSearch.build, not {search!r}")
        if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 0:
            raise ValueError("discovery_threshold must be an int >= 0")
        self.search_index = search
        self.threshold = threshold
        self._key: tuple[Any, ...] | None = None
        self._catalogue = Catalogue({}, [])
        self._ranking: tuple[Catalogue, ToolRanking] | None = None
        self._lock = threading.Lock()
        self.tool = Tool(
            name=SEARCH_TOOLS,
            description="Find tools by what they do: name, one-line description, and the "
            "stub with full=True.",
            fn=self._run,
            input_model=SearchToolsInput,
        )

    def catalogue(
        self, host: Sequence[HostTool], sections: Sequence[ServerSection] = ()
    ) -> Catalogue:
        """The catalogue of these tools, rebuilt only when they change (``host`` and the
        sections are compared by identity: MCP sections are rebuilt when a list changes).
        The latest is what ``search_tools`` searches."""
        key = (tuple(host), tuple(map(id, sections)), tuple(sections))
        if self._key is None or self._key[:2] != key[:2]:
            self._catalogue, self._key = Catalogue.of(host, sections), key
        return self._catalogue

    def active(self, catalogue: Catalogue) -> bool:
        return len(catalogue) > self.threshold

    def prompt(self, catalogue: Catalogue) -> str:
        lines = "\n".join(group.line() for group in catalogue.groups)
        return PROMPT.format(count=f"{len(catalogue):,}", search=SEARCH_TOOLS) + lines + "\n"

    async def prepare(self, catalogue: Catalogue | None = None) -> ToolRanking:
        """The ranking of ``catalogue`` (default: the latest), indexed on a thread once."""
        return await asyncio.to_thread(self._ranking_of, catalogue or self._catalogue)

    def _ranking_of(self, catalogue: Catalogue) -> ToolRanking:
        with self._lock:
            if self._ranking is None or self._ranking[0] is not catalogue:
                entries = list(catalogue.entries.values())
                self._ranking = (catalogue, self.search_index.build(entries))
            return self._ranking[1]

    async def search(self, query: str, limit: int = 5, full: bool = False) -> list[dict[str, Any]]:
        """What ``tools.search_tools`` returns: ``[{name, description, stub?}]``."""
        catalogue = self._catalogue
        found = catalogue.exact(query)
        try:
            ranking = await self.prepare(catalogue)
            paths = await asyncio.to_thread(ranking.search, query, limit)
        except Exception:
            # the index's own error may name host paths (a model directory): log it here
            log.exception("search_tools failed")
            raise ToolError(f"{SEARCH_TOOLS}() failed: the tool index is unavailable") from None
        order = [found.path] if found is not None else []
        order += [p for p in paths if p in catalogue.entries and p not in order]
        results = []
        for path in order[:limit]:
            entry = catalogue.entries[path]
            item = {"name": entry.call, "description": entry.summary}
            if full:
                item["stub"] = entry.stub()
            results.append(item)
        return results

    async def _run(self, args: SearchToolsInput) -> list[dict[str, Any]]:
        return await self.search(args.query, args.limit, args.full)
