"""Helpers for testing applications built on codemode-skills (and for our own suite).

``mongo_test_server()`` gives a MongoDB URL to run storage tests against: the server
named by ``CODEMODE_TEST_MONGO_URL`` when set, else a SecantusDB server (a MongoDB
wire-protocol server from PyPI, ``pip install secantusdb``) started in this process with
in-memory storage and stopped on exit.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Iterator


@contextlib.contextmanager
def mongo_test_server(database: str = "codemode_test") -> Iterator[str]:
    url = os.environ.get("CODEMODE_TEST_MONGO_URL")
    if url:
        yield url
        return
    from secantus import SecantusDBServer

    server = SecantusDBServer(host="127.0.0.1", port=0, storage_path=":memory:")
    server.start()
    try:
        yield server.uri.rstrip("/") + "/" + database
    finally:
        # shutting the socket wakes the accept() thread: stop() takes 20 ms, not 2 s
        sock = getattr(server, "_socket", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        server.stop()
