"""``asyncio.run(main())`` at a program's top level.

Models write ``asyncio.run(main())`` at the end of a program out of habit: it is how a
script starts its event loop. A program's top level already runs *on* the sandbox's loop,
where CPython's ``asyncio.run`` can only refuse ("cannot be called from a running event
loop"). So a call of ``asyncio.run`` at the top level (module.py finds them: through
``import asyncio [as a]`` or ``from asyncio import run [as r]``) is compiled to
``await run_at_top_level(<the function>, <arguments>)``: when the function really is
``asyncio.run``, the coroutine runs on the current loop and its value is the call's;
anything else of that name is called as written. Inside a function (where no ``await``
can be put) ``asyncio.run`` raises CPython's ``RuntimeError``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from .names import RESERVED_PREFIX

#: The global the compiled top-level calls await (reserved: a program cannot name it).
HELPER = f"{RESERVED_PREFIX}asyncio_run__"


def run(main: Any, *, debug: bool | None = None) -> Any:
    """The facade's ``asyncio.run``: every call of it is made on the running loop."""
    close = getattr(main, "close", None)
    if asyncio.iscoroutine(main) and close is not None:
        close()  # CPython leaves it to warn "never awaited"; nothing will await it here
    raise RuntimeError("asyncio.run() cannot be called from a running event loop")


def _arguments(main: Any, *, debug: bool | None = None) -> Any:
    return main


async def run_at_top_level(function: Any, /, *args: Any, **kwargs: Any) -> Any:
    """What a top-level ``asyncio.run(...)`` compiles to (see the module docstring)."""
    if function is not run and function is not asyncio.run:
        return function(*args, **kwargs)
    try:
        main = _arguments(*args, **kwargs)
    except TypeError as exc:  # CPython's own message, with run's name
        raise TypeError(str(exc).replace("_arguments()", "run()")) from None
    if not asyncio.iscoroutine(main):
        raise ValueError(f"a coroutine was expected, got {main!r}")
    return await main
