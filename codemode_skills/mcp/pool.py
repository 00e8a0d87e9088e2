"""Connections shared by the code modes of one process, and closed at its exit.

Two code modes (two sessions) that configure the same server (equal configs, secrets
included: compared by ``fingerprint``) share one process. A connection belongs to the
event loop that started it; each ``acquire`` is matched by one ``release``, and the
last release closes it. At interpreter exit, servers that nobody closed (no loop is
left to run ``close``) have their process groups killed, so none outlives us.
"""

from __future__ import annotations

import asyncio
import atexit
import weakref

from .config import HttpServer, StdioServer
from .connection import Connection

_SHARED: dict[tuple[str, int], tuple[asyncio.AbstractEventLoop, Connection, list[int]]] = {}
#: Every connection ever made that may still have a process (for the exit hook).
_LIVE: weakref.WeakSet[Connection] = weakref.WeakSet()


def acquire(config: StdioServer | HttpServer) -> Connection:
    """This loop's connection for ``config`` (made, not started, if there is none)."""
    loop = asyncio.get_running_loop()
    key = (config.fingerprint(), id(loop))
    entry = _SHARED.get(key)
    if entry is None or entry[0] is not loop or entry[1].state == "closed":
        connection = Connection(config)
        entry = (loop, connection, [0])
        _SHARED[key] = entry
        _LIVE.add(connection)
    entry[2][0] += 1
    return entry[1]


async def release(connection: Connection) -> None:
    """One holder is done; the last one closes the connection (stops the server)."""
    for key, (_, held, refs) in list(_SHARED.items()):
        if held is connection:
            refs[0] -= 1
            if refs[0] > 0:
                return
            del _SHARED[key]
            break
    await connection.close()


@atexit.register
def _kill_leftovers() -> None:
    for connection in list(_LIVE):
        connection.kill_now()
