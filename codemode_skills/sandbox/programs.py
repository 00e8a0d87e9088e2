"""Compiled programs, cached on the host.

Compiling is the largest step of a short execution: CPython's parser and compiler (and,
for programs the language policy acts on, RestrictedPython's transformer) touch a lot of
cold memory, so a 20 µs compile takes ~250 µs after the process has slept for a few
milliseconds, as it does between an agent's turns. Skills, and an agent's retries, run
the same source again and again, so the host compiles each program once under the
policy and keeps the code object; the subprocess driver ships it to the worker as
``marshal`` bytes (host -> worker only: a worker never sends code back), and the
in-process driver uses it directly.

Limits that keep host-side compilation cheap and fair:

* only programs up to ``inline_bytes`` are compiled on the host's event loop (the policy
  transformer takes about 1 ms per KB); up to ``host_max_bytes`` they are compiled on a
  thread (the loop keeps serving other runs); larger
  programs are compiled inside the sandbox, under the worker's CPU and memory limits,
  exactly as before, and are not cached;
* entries are keyed by tenant, so one tenant cannot learn from a faster run that another
  tenant ran the same text (a cache-timing oracle);
* the cache is bounded in entries and in bytes (least recently used goes first).

A program that does not compile is answered from the host without taking a worker.
"""

from __future__ import annotations

import asyncio
import marshal
import threading
import types
from collections import OrderedDict
from dataclasses import dataclass

from .jail.policy.transformer import TOO_DEEP, CompileFailed, PolicyError, compile_program

#: Up to this many bytes of source, compile on the host's event loop (~2 ms at most).
INLINE_BYTES = 2048
#: Up to this many bytes, compile on the host (on a thread); larger: inside the sandbox.
HOST_MAX_BYTES = 16384


#: (tenant, restricted, isolated, source)
_Key = tuple[str | None, bool, bool, str]


@dataclass(frozen=True)
class Compiled:
    """A program compiled under the policy: its entry code object, and (for drivers in
    another process) the same as ``marshal`` bytes."""

    code: types.CodeType
    blob: bytes


class ProgramCache:
    """Least-recently-used cache of compiled programs (and of compile failures)."""

    def __init__(
        self,
        *,
        max_entries: int = 256,
        max_cached_bytes: int = 16 * 1024 * 1024,
        inline_bytes: int = INLINE_BYTES,
        host_max_bytes: int = HOST_MAX_BYTES,
    ) -> None:
        self.max_entries = max_entries
        self.max_cached_bytes = max_cached_bytes
        self.inline_bytes = inline_bytes
        self.host_max_bytes = host_max_bytes
        self._entries: OrderedDict[_Key, Compiled | PolicyError]
        self._entries = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    async def get(
        self, source: str, *, restricted: bool, tenant: str | None, isolated: bool = False
    ) -> Compiled | None:
        """The compiled program, or None when ``source`` is too large to compile on the
        host (the sandbox compiles it). Raises ``CompileFailed``. ``isolated``: for a
        process of the program's own (see ``compile_program``)."""
        if len(source) > self.host_max_bytes:
            return None
        key = (tenant, restricted, isolated, source)
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                self.hits += 1
        if found is None:
            if len(source) <= self.inline_bytes:
                found = _compile(source, restricted, isolated)
            else:
                found = await asyncio.to_thread(_compile, source, restricted, isolated)
            self._store(key, found)
        if isinstance(found, PolicyError):
            raise CompileFailed(found)
        return found

    def _store(self, key: _Key, value: Compiled | PolicyError) -> None:
        size = _size(key, value)
        with self._lock:
            self.misses += 1
            if key in self._entries or size > self.max_cached_bytes:
                return
            self._entries[key] = value
            self._bytes += size
            while self._entries and (
                len(self._entries) > self.max_entries or self._bytes > self.max_cached_bytes
            ):
                old_key, old = self._entries.popitem(last=False)
                self._bytes -= _size(old_key, old)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0


def _compile(source: str, restricted: bool, isolated: bool) -> Compiled | PolicyError:
    """Compile ``source`` and marshal it; whatever goes wrong is a compile failure (a
    program too deep to marshal included), never an exception out of here (F10).

    CPython 3.11's AST conversion keeps its recursion depth per interpreter, not per
    thread: while one thread parses, another (this cache compiles larger programs on a
    thread, smaller ones on the loop) can make it fail with "AST constructor recursion
    depth mismatch", a ``SystemError`` read as "nested too deeply". That failure is
    retried; a program really nested too deeply fails every time."""
    for _ in range(_ATTEMPTS - 1):
        found = _compile_once(source, restricted, isolated)
        if not (isinstance(found, PolicyError) and found.message == TOO_DEEP):
            return found
    return _compile_once(source, restricted, isolated)


#: How often a "nested too deeply" compile is tried (see _compile).
_ATTEMPTS = 3


def _compile_once(source: str, restricted: bool, isolated: bool) -> Compiled | PolicyError:
    try:
        code = compile_program(source, restricted=restricted, isolated=isolated)
        return Compiled(code, marshal.dumps(code))
    except CompileFailed as exc:  # kept as data: a cached exception would grow tracebacks
        return exc.error
    except (ValueError, RecursionError, MemoryError, SystemError):
        # (SystemError: CPython 3.11's "AST constructor recursion depth mismatch")
        return PolicyError("SyntaxError", TOO_DEEP, None)


def _size(key: _Key, value: Compiled | PolicyError) -> int:
    blob = value.blob if isinstance(value, Compiled) else b""
    return len(key[-1]) + len(blob) + 256
