"""The CPython side of ``bench/fidelity.py``: run programs as plain module code.

Run as ``python3 -P -s bench/_fidelity_reference.py`` with an environment of
``PYTHONHASHSEED`` alone (nothing of the project on ``sys.path`` to shadow the standard
library; not ``-I``, which ignores the seed), and ``{"timeout": s, "programs": [{"name":
..., "code": ...}]}`` on stdin; it prints one JSON outcome per program, one a line.

Every program runs in a child forked for it alone: a program that patches a module, sets
the decimal context or leaves threads behind cannot change the next one's outcome (the
sandbox gives every execution a fresh worker too), and a runaway one is killed at the
deadline. A program is module code in a fresh ``{"__name__": "__main__"}``; it may use
top-level ``await`` (then it runs on a fresh event loop, as in ``python -m asyncio``),
otherwise it runs with no loop at all, as ``python3 file.py`` would. Its stdout and stderr
are one log, as the sandbox's are, with every stderr line marked ``[stderr] `` as the
sandbox documents its logs (``Log``: a line of one stream that the other interrupts ends
there).

When the last statement is an expression, its value is the program's final value: sent
as JSON when it is JSON (and not None), so the sandbox side can run ``return <expr>`` in
its place and compare. This file imports nothing of the project.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import inspect
import io
import json
import os
import resource
import select
import signal
import sys
import time
from typing import Any

#: The file name programs are compiled under: a traceback frame with it is the program's.
FILENAME = "<program>"
FLAGS = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
MEMORY_BYTES = 2 << 30

#: Imported once in the parent so that each fork starts warm (the imports are not part of
#: any program's outcome: a fresh process would import the same modules the same way).
WARM = (
    "collections dataclasses datetime decimal enum fractions functools itertools json math "
    "re statistics string textwrap typing"
).split()


def program_line(exc: BaseException) -> int | None:
    """The innermost line of the program in the traceback (the sandbox reports the same)."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == FILENAME:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _error(type_: str, message: str, line: int | None) -> dict[str, Any]:
    return {"type": type_, "message": message, "line": line}


def _compile(source: str) -> tuple[Any, Any]:
    """The program's code and, when its last statement is an expression, that
    expression's code (compiled apart, so its value can be taken)."""
    tree = compile(source, FILENAME, "exec", ast.PyCF_ONLY_AST | FLAGS, dont_inherit=True)
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    body = compile(tree, FILENAME, "exec", FLAGS, dont_inherit=True)
    tail = compile(last, FILENAME, "eval", FLAGS, dont_inherit=True) if last else None
    return body, tail


def _is_async(code: Any) -> bool:
    return code is not None and bool(code.co_flags & inspect.CO_COROUTINE)


def run_program(source: str) -> dict[str, Any]:
    """Run one program here and describe what it did (in the forked child)."""
    out = Log()
    outcome: dict[str, Any] = {"output": "", "error": None, "value": None}
    try:
        body, tail = _compile(source)
    except SyntaxError as exc:
        outcome["error"] = _error(type(exc).__name__, str(exc.msg), exc.lineno)
        return outcome
    namespace: dict[str, Any] = {"__name__": "__main__"}

    def run_sync() -> Any:
        eval(body, namespace)
        return eval(tail, namespace) if tail is not None else None

    async def run_async() -> Any:
        started = eval(body, namespace)
        if inspect.iscoroutine(started):
            await started
        value = eval(tail, namespace) if tail is not None else None
        return await value if _is_async(tail) else value

    value = None
    with contextlib.redirect_stdout(out.stdout), contextlib.redirect_stderr(out.stderr):
        try:
            if _is_async(body) or _is_async(tail):
                value = asyncio.run(run_async())
            else:
                value = run_sync()
        except BaseException as exc:
            outcome["error"] = _error(type(exc).__name__, str(exc), program_line(exc))
    outcome["output"] = out.text()
    if outcome["error"] is None and value is not None:
        with contextlib.suppress(Exception):
            outcome["value"] = json.dumps(value, allow_nan=False, ensure_ascii=False)
    return outcome


class Log:
    """stdout and stderr written into one text, stderr lines marked with ``MARK``."""

    MARK = "[stderr] "

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.open: str | None = None  # the stream whose line is not ended yet
        self.stdout = _Stream(self, "out")
        self.stderr = _Stream(self, "err")

    def write(self, stream: str, text: str) -> None:
        for piece in text.splitlines(keepends=True):
            if self.open is not None and self.open != stream:
                self.parts.append("\n")  # the other stream's line ends here
                self.open = None
            if self.open is None and stream == "err":
                self.parts.append(self.MARK)
            self.parts.append(piece)
            self.open = None if piece.endswith("\n") else stream

    def text(self) -> str:
        return "".join(self.parts)


class _Stream(io.TextIOBase):
    def __init__(self, log: Log, name: str) -> None:
        self.log, self.name = log, name

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.log.write(self.name, text)
        return len(text)


def _child(source: str, write_fd: int, timeout: float) -> None:
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):  # a program writing to a raw fd must not corrupt the results
        os.dup2(devnull, fd)
    sys.stdin = io.StringIO()
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    cpu = int(timeout) + 2
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    try:
        outcome = run_program(source)
        data = json.dumps(outcome, ensure_ascii=False, default=repr).encode()
    except BaseException as exc:  # the outcome itself did not serialize, or worse
        data = json.dumps({"output": "", "error": _error("ReferenceFailed", repr(exc), None)})
        data = data.encode()
    view = memoryview(data)
    while view:
        view = view[os.write(write_fd, view) :]
    os._exit(0)


def run_forked(source: str, timeout: float) -> dict[str, Any]:
    """Run one program in a child of its own; kill it at the deadline."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        _child(source, write_fd, timeout)
    os.close(write_fd)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    timed_out = False
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            timed_out = True
            break
        ready, _, _ = select.select([read_fd], [], [], left)
        if not ready:
            continue
        chunk = os.read(read_fd, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(read_fd)
    if timed_out:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    if timed_out:
        return {"output": "", "error": _error("ReferenceTimeout", f"over {timeout} s", None)}
    if not chunks:
        why = f"the child ended with status {status} and no outcome"
        return {"output": "", "error": _error("ReferenceFailed", why, None)}
    outcome: dict[str, Any] = json.loads(b"".join(chunks))
    return outcome


def main() -> None:
    request = json.load(sys.stdin)
    for name in WARM:
        __import__(name)
    for program in request["programs"]:
        outcome = run_forked(program["code"], float(request["timeout"]))
        outcome["name"] = program["name"]
        sys.stdout.write(json.dumps(outcome, ensure_ascii=False) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
