"""What the host and the jail agree on, written once.

How the template is booted, the control messages between the host and the template, how
a worker exits, the limits a worker is forked with, and the polling rhythm both ends of a
worker's socket follow. The host side (``sandbox/process/``) and the jail (``template``,
``worker``) both import this module, so no literal of the protocol is repeated across the
boundary. Like everything in ``jail/`` it imports only the standard library. (What a
worker and the host say during one run is the JSON-lines format of ``wire``.)
"""

from __future__ import annotations

import ctypes
import json
import os
import re
from typing import Any, NamedTuple

# -- where the library lives, and how the template is booted ----------------------------


def _package_root() -> str:
    """The directory of the top-level package (``codemode_skills``): this module's
    directory, climbed once per package level of its own dotted name, so it stays right
    wherever the jail moves."""
    path = os.path.dirname(os.path.abspath(__file__))
    for _ in range(__name__.count(".") - 1):
        path = os.path.dirname(path)
    return path


#: The directory of the ``codemode_skills`` package: the template is booted from it, and
#: Landlock (and bubblewrap, when used) exposes it read-only.
PACKAGE_ROOT = _package_root()

_JAIL = __name__.rsplit(".", 1)[0].split(".")  # ["codemode_skills", "sandbox", "jail"]
#: (name, directory below ``PACKAGE_ROOT``) of the jail package and each package above it.
_PACKAGES = [
    (".".join(_JAIL[: depth + 1]), "".join("/" + part for part in _JAIL[1 : depth + 1]))
    for depth in range(len(_JAIL))
]

#: Boot code run by ``python -I -c BOOT PACKAGE_ROOT CONFIG``. It registers the parent
#: packages as bare modules, so importing the template runs no ``__init__`` above the
#: jail (not the library's, with pydantic and the drivers) inside the sandbox.
BOOT = f"""
import sys, types
root, config = sys.argv[1], sys.argv[2]
for name, path in {_PACKAGES!r}:
    mod = types.ModuleType(name); mod.__path__ = [root + path]; sys.modules[name] = mod
from {".".join(_JAIL)}.template import main
main(config)
"""


# -- the limits a worker sets on itself ---------------------------------------------------


class WorkerLimits(NamedTuple):
    """The OS limits of one worker: memory (MB above the template's baseline) and CPU
    seconds. A worker sets them at fork, for the run it is likely to get, and can only
    lower them for the run it does get (an rlimit, once lowered, cannot be raised)."""

    memory_mb: int
    cpu_s: int

    @classmethod
    def for_run(cls, memory_mb: int, timeout_s: float) -> WorkerLimits:
        """The limits for a run of ``timeout_s`` wall-clock seconds. The CPU limit is one
        second over the timeout: CPU time cannot outrun the wall clock, so the host's kill
        at the timeout (a ``TimeoutError``) comes first, and the CPU limit (SIGXCPU) only
        stops a worker the host's timer failed to."""
        return cls(memory_mb, int(timeout_s) + 1)

    def fits(self, need: WorkerLimits) -> bool:
        """Whether a worker forked with these limits can serve ``need`` (by lowering)."""
        return need.memory_mb <= self.memory_mb and need.cpu_s <= self.cpu_s

    def covering(self, need: WorkerLimits) -> WorkerLimits:
        """The smallest limits that fit both these and ``need``."""
        return WorkerLimits(max(self.memory_mb, need.memory_mb), max(self.cpu_s, need.cpu_s))


#: What workers are forked with until a request needs more: the limits of a run with
#: ``ExecutionRequest``'s defaults (256 MB, 30 s).
DEFAULT_WORKER_LIMITS = WorkerLimits.for_run(memory_mb=256, timeout_s=30.0)


# -- the template's control socket (SOCK_SEQPACKET: one message per datagram) -------------

#: The most bytes either end reads as one control message; a datagram longer than the read
#: would be cut. A spawn request is at most 17 bytes per worker (``max_workers`` of them
#: fit many times over); a ``ready`` report is a few hundred bytes.
CONTROL_MESSAGE_BYTES = 65536

#: The ``op`` of each message from the template: it is up (with its isolation report), it
#: forked a worker (the worker's socket and pidfd ride along, SCM_RIGHTS), a child ended.
READY, WORKER, EXIT = "ready", "worker", "exit"

#: A spawn request, host -> template: ``s<memory_mb>,<cpu_s>;`` per worker wanted.
_SPAWN = re.compile(rb"s(\d{1,7}),(\d{1,7});")


def spawn_request(limits: WorkerLimits, count: int = 1) -> bytes:
    """The host asks for ``count`` workers forked with ``limits``."""
    return b"s%d,%d;" % (limits.memory_mb, limits.cpu_s) * count


def parse_spawn_requests(data: bytes) -> list[WorkerLimits]:
    """The workers one datagram asks for (anything not a spawn request is ignored)."""
    return [WorkerLimits(int(memory), int(cpu)) for memory, cpu in _SPAWN.findall(data)]


def ready_message(isolation: dict[str, Any]) -> bytes:
    return json.dumps({"op": READY, "isolation": isolation}).encode()


def worker_message(pid: int, limits: WorkerLimits) -> bytes:
    return json.dumps({"op": WORKER, "pid": pid, "limits": list(limits)}).encode()


def exit_message(pid: int, signal: int | None, code: int | None) -> bytes:
    return json.dumps({"op": EXIT, "pid": pid, "signal": signal, "code": code}).encode()


def forked_worker(message: dict[str, Any]) -> tuple[int, WorkerLimits] | None:
    """The pid and limits of a ``worker`` message, or None if it is malformed."""
    pid, limits = message.get("pid"), message.get("limits")
    if not isinstance(pid, int) or not isinstance(limits, list) or len(limits) != 2:
        return None
    if not all(isinstance(value, int) for value in limits):
        return None
    return pid, WorkerLimits(limits[0], limits[1])


# -- a worker's socket: its first line, and how it ends ----------------------------------

#: The line a worker sends once it is warmed up and waits for its run request.
WORKER_READY = b'{"op": "ready"}'

#: How a worker process ends (its exit code, which the template reports to the host).
EXIT_DONE = 0  # it sent its result (it is normally killed while it lingers)
EXIT_HOST_GONE = 3  # its socket closed while it waited for a reply: nobody to answer to
EXIT_OUT_OF_MEMORY = 5  # MemoryError escaped the program: the host says MemoryLimitExceeded
EXIT_CRASHED = 6  # anything else escaped the worker itself


# -- polling: both ends briefly poll for the other's next message ------------------------

#: While polling, give the CPU away this often: the peer may have been woken on this CPU.
YIELD_EVERY_S = 0.00002

_libc = ctypes.CDLL(None)


def current_cpu() -> int:
    """The CPU this thread runs on now (-1 if unknown); a cheap vDSO call."""
    try:
        return int(_libc.sched_getcpu())
    except (AttributeError, OSError):
        return -1


def default_spin_s() -> float:
    """How long to poll for the peer's next message before sleeping: 500 µs when there is
    more than one CPU (the peer can run meanwhile), else 0 (polling would only delay it).
    A fast tool answers within tens of microseconds, so the budget covers a round trip."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return 0.0005 if cpus > 1 else 0.0
