"""The process of a stdio server: found, watched, and killed if it outlives us.

The SDK starts a stdio server in a session of its own and stops it on a clean close,
but it does not say which process it started. We need that for three things: noticing
that the server died before sending it a call, killing its process group when the
interpreter exits without a close, and (in tests) killing it mid-call. The server's
stderr goes to a temporary file we open; the child of this process whose fd 2 is that
file (same device and inode) is the server. Linux only, as the sandbox is.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from dataclasses import dataclass
from typing import IO


def _children() -> list[int]:
    pids: list[int] = []
    with contextlib.suppress(OSError):
        for task in os.listdir("/proc/self/task"):
            with contextlib.suppress(OSError), open(f"/proc/self/task/{task}/children") as fh:
                pids.extend(int(p) for p in fh.read().split())
    return pids


def _stat(pid: int) -> list[str] | None:
    """Fields of ``/proc/<pid>/stat`` from the state on (the name may hold spaces)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            text = fh.read()
    except OSError:
        return None
    return text[text.rfind(")") + 2 :].split()


@dataclass(frozen=True)
class ServerProcess:
    """A server process, identified by its pid and start time (pids are reused)."""

    pid: int
    started: str

    @classmethod
    def find(cls, errlog: IO[str]) -> ServerProcess | None:
        """The child of this process whose stderr is ``errlog``."""
        mine = os.fstat(errlog.fileno())
        for pid in _children():
            try:
                theirs = os.stat(f"/proc/{pid}/fd/2")
            except OSError:
                continue
            if (theirs.st_dev, theirs.st_ino) == (mine.st_dev, mine.st_ino):
                fields = _stat(pid)
                if fields is not None:
                    return cls(pid, fields[19])  # starttime (field 22)
        return None

    def alive(self) -> bool:
        """Running (not gone, not a zombie waiting to be reaped), and still ours."""
        fields = _stat(self.pid)
        return fields is not None and fields[0] not in ("Z", "X") and fields[19] == self.started

    def kill(self, grace_s: float = 1.0) -> None:
        """SIGTERM its process group (the SDK starts it in a session of its own), then
        SIGKILL what is left after ``grace_s``. For the interpreter's exit, where no event
        loop is left to close the connection."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if not self.alive():
                return
            with contextlib.suppress(OSError):
                if os.getpgid(self.pid) == self.pid:
                    os.killpg(self.pid, sig)
                else:
                    os.kill(self.pid, sig)
            deadline = time.monotonic() + grace_s
            while self.alive() and time.monotonic() < deadline:
                time.sleep(0.02)


def stderr_tail(errlog: IO[str], limit: int = 2000) -> str:
    """The end of what the server wrote to stderr (for the host's log, never a program)."""
    with contextlib.suppress(OSError, ValueError):
        errlog.flush()
        size = os.fstat(errlog.fileno()).st_size
        with open(f"/proc/self/fd/{errlog.fileno()}", "rb") as fh:
            fh.seek(max(0, size - limit))
            return fh.read().decode("utf-8", "replace").strip()
    return ""
