"""The reachability walk the security tests share: from what a program holds, through
the sandbox's own ``getattr`` and ``dir``, to every object it can reach, by type."""

from __future__ import annotations

import textwrap
from typing import Any

from .conftest import run

#: Walks everything a program can reach from what it holds (print, tools, skills,
#: builtins, module facades, asyncio objects), through the sandbox's own getattr and dir,
#: and names the type of each object it reaches.
WALK = textwrap.dedent(
    """
    import asyncio, pprint, json, random, functools, contextlib, string, calendar
    roots = [print, tools, skills, tools.add, skills.anything, getattr, vars, dir, setattr,
             pprint, pprint.pprint, json, random, random.seed, functools, contextlib,
             string.Formatter(), calendar, calendar.month, asyncio.current_task(),
             asyncio.Lock(), asyncio.Queue(), PolicyViolation, ToolError, __build_class__]
    import types
    slots = {types.BuiltinFunctionType, types.WrapperDescriptorType, types.MethodWrapperType,
             types.MethodDescriptorType, types.GetSetDescriptorType, types.MemberDescriptorType,
             types.ClassMethodDescriptorType}
    seen, kinds, frontier = set(), set(), list(roots)
    for depth in range(4):
        nxt = []
        for obj in frontier:
            kinds.add(type(obj).__module__ + "." + type(obj).__qualname__)
            if id(obj) in seen or len(seen) > 20000 or type(obj) in (str, int, bool, float):
                continue
            seen.add(id(obj))
            if isinstance(obj, (list, tuple, set, frozenset)):
                nxt.extend(list(obj)[:50])
                continue
            if isinstance(obj, dict):
                nxt.extend(list(obj.values())[:50])
                continue
            try:  # slot methods and descriptors lead on only through what they are bound to
                names = ["__self__", "__objclass__"] if type(obj) in slots else dir(obj)
            except Exception:
                continue
            for name in names:
                try:
                    nxt.append(getattr(obj, name))
                except BaseException:
                    pass
        frontier = nxt
    return sorted(kinds)
    """
)
#: Types no walk may reach: the sandbox's plumbing and the interpreter's internals.
PLUMBING = (
    "_Channel",
    "ProgramRun",
    "ModuleRegistry",
    "socket",
    "EventLoop",
    "Selector",
    "Bridge",
    "Driver",
    "_ProgramThread",
    "TextIOWrapper",
    "FileIO",
    "Buffered",
    "Handle",
)
INTERNALS = {"builtins.frame", "builtins.code", "builtins.cell", "builtins.module"}


async def assert_walk_reaches_no_plumbing(driver: Any, roots: str | None = None) -> list[str]:
    """Run the walk (from ``roots``, a program fragment that sets ``roots``, in place of
    the default roots) and assert it reaches none of the plumbing or internals; returns
    the kinds it reached, for the caller to check the walk did run."""
    program = WALK
    if roots is not None:
        program = WALK[: WALK.index("import asyncio")] + roots + WALK[WALK.index("import types") :]
    result = await run(driver, program, timeout_s=60)
    assert result.error is None, result.error
    reached = [
        kind
        for kind in result.result
        if kind in INTERNALS or any(p in kind.rsplit(".", 1)[-1] for p in PLUMBING)
    ]
    assert reached == [], reached
    return list(result.result)
