"""Standard library the model expects (issue 16, item 4): ``typing.TYPE_CHECKING``,
``stat``, ``time.sleep`` and a safe ``sys``.

Each program is compared with plain CPython running the same text (``_cpython``), on both
drivers; each addition has escape tests beside it: the real ``sys`` module, the run and
the process's streams stay out of reach.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from typing import Any

import pytest

from codemode_skills import InProcessDriver
from codemode_skills.sandbox import RunLimits

from .conftest import run
from .fidelity_cases import ATTEMPT, assert_matches_cpython
from .walk_cases import assert_walk_reaches_no_plumbing

PROGRAMS: dict[str, str] = {
    "type_checking": """
        import typing
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            import os
        result = [TYPE_CHECKING, typing.TYPE_CHECKING, "os" in dir()]
    """,
    "stat": """
        import stat
        modes = [0o100644, 0o40755, 0o120777, 0o20600, 0o10644, 0o140755, 0o104755]
        result = [[stat.filemode(m), stat.S_ISDIR(m), stat.S_ISREG(m), stat.S_ISLNK(m),
                   stat.S_ISCHR(m), stat.S_ISFIFO(m), stat.S_ISSOCK(m), stat.S_IMODE(m),
                   stat.S_IFMT(m)] for m in modes]
        result += [stat.S_IRUSR | stat.S_IWUSR, stat.S_IXOTH, stat.ST_MODE, stat.S_IFDIR,
                   stat.UF_HIDDEN if hasattr(stat, "UF_HIDDEN") else None]
    """,
    "time_sleep": """
        import time
        started = time.monotonic()
        time.sleep(0.01)
        time.sleep(0)
        time.sleep(False)
        waited = time.monotonic() - started
        result = [time.sleep(0.06), 0.01 <= waited < 5, err(lambda: time.sleep(-1)),
                  err(lambda: time.sleep("1")), err(lambda: time.sleep(None)),
                  err(lambda: time.sleep(float("nan"))), err(lambda: time.sleep(1, 2)),
                  err(lambda: time.sleep()), err(lambda: time.sleep(secs=1))]
    """,
    "sys_facts": """
        import sys
        result = [list(sys.version_info), sys.version_info >= (3, 8), sys.version,
                  sys.hexversion, sys.maxsize, sys.maxunicode, sys.byteorder, sys.platform,
                  list(sys.float_info), sys.float_info.epsilon, sys.float_info.max,
                  list(sys.int_info), list(sys.hash_info), sys.float_repr_style,
                  sys.getrecursionlimit() >= 100, sys.implementation.name,
                  tuple(sys.implementation.version) == tuple(sys.version_info),
                  sys.implementation.hexversion == sys.hexversion,
                  sys.version_info.major, hasattr(sys, "nope"), getattr(sys, "nope", 1)]
    """,
    "sys_streams": """
        import io, sys
        from contextlib import redirect_stderr, redirect_stdout
        buffer, errors = io.StringIO(), io.StringIO()
        with redirect_stdout(buffer):
            n = sys.stdout.write("one ")
            print("two", file=sys.stdout, flush=True)
            print("three")
        with redirect_stderr(errors) as target:
            print("warning", file=sys.stderr)
            with redirect_stderr(io.StringIO()):
                sys.stderr.write("inner")
            sys.stderr.write("!")
        result = [buffer.getvalue(), n, errors.getvalue(), target is errors,
                  err(lambda: sys.stdout.write(1)),
                  err(lambda: sys.stderr.write(b"x")), sys.stdout.writable(),
                  sys.stdout.isatty(), sys.stdout.flush(), sys.stderr.write("")]
    """,
    "queue": """
        import queue
        q, lifo, prio, simple = (queue.Queue(), queue.LifoQueue(), queue.PriorityQueue(),
                                 queue.SimpleQueue())
        for item in (3, 1, 2):
            q.put(item); lifo.put(item); prio.put((item, str(item))); simple.put(item)
        taken = [[q.get() for _ in range(3)], [lifo.get() for _ in range(3)],
                 [prio.get_nowait() for _ in range(3)], [simple.get() for _ in range(3)]]
        bounded = queue.Queue(1)
        bounded.put("x")
        done = queue.Queue()
        done.put(1); done.get(); done.task_done(); done.join()
        result = [taken, q.empty(), q.qsize(), bounded.full(), err(lambda: q.get(False)),
                  err(lambda: q.get(timeout=0.01)), err(lambda: q.get(timeout=-1)),
                  err(lambda: bounded.put(2, timeout=0.01)), err(bounded.put_nowait),
                  err(lambda: simple.get(timeout=0.06)), err(lambda: simple.get(False)),
                  err(lambda: simple.get(timeout=-1)), err(done.task_done),
                  type(q).__name__, type(q).__module__, repr(q).startswith("<queue.Queue"),
                  isinstance(prio, queue.Queue), issubclass(queue.LifoQueue, queue.Queue),
                  simple.empty(), simple.qsize(), q.queue, prio.queue,
                  issubclass(queue.Empty, Exception), queue.Full.__name__]
    """,
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
async def test_program_matches_cpython(driver: Any, name: str) -> None:
    await assert_matches_cpython(driver, PROGRAMS[name])


async def test_sys_streams_write_to_the_logs(driver: Any) -> None:
    code = (
        "import sys\nsys.stdout.write('out\\n')\nprint('err', file=sys.stderr)\n"
        "sys.stderr.write('more\\n')\nreturn 1"
    )
    result = await run(driver, code)
    assert result.success, result.error
    assert result.logs == ["out", "[stderr] err", "[stderr] more"]


#: Programs that wait forever in CPython (a program has no thread to wake them).
BLOCKED: dict[str, str] = {
    "sleep": "import time\ntime.sleep(100)",
    "queue_get": "import queue\nqueue.Queue().get()",
    "lifo_get_timeout": "import queue\nqueue.LifoQueue().get(timeout=100)",
    "simple_get": "import queue\nqueue.SimpleQueue().get()",
    "full_put": "import queue\nq = queue.PriorityQueue(1)\nq.put(1)\nq.put(2)",
    "join": "import queue\nq = queue.Queue()\nq.put(1)\nq.join()",
}


@pytest.mark.parametrize("name", sorted(BLOCKED))
async def test_a_blocked_program_ends_at_the_timeout(driver: Any, name: str) -> None:
    started = time.monotonic()
    result = await run(driver, BLOCKED[name], timeout_s=0.5)
    assert time.monotonic() - started < 10
    assert not result.success
    assert result.error is not None and result.error.type == "TimeoutError"
    assert (await run(driver, "return 2")).result == 2  # the driver is still usable


@pytest.mark.parametrize(
    "wait",
    ["time.sleep(0.5)", "queue.Queue().get(timeout=0.5)", "queue.SimpleQueue().get(True, 0.5)"],
)
async def test_a_wait_in_process_does_not_block_the_host_loop(
    inprocess_driver: Any, wait: str
) -> None:
    """In-process the program runs on its own thread and loop: while it waits, the
    host's loop keeps running (here: a ticker that must tick during the wait)."""
    ticks: list[float] = []

    async def ticker() -> None:
        while True:
            ticks.append(time.monotonic())
            await asyncio.sleep(0.02)

    task = asyncio.create_task(ticker())
    try:
        code = f"import queue, time\ntry:\n    {wait}\nexcept queue.Empty:\n    pass\nreturn 1"
        result = await run(inprocess_driver, code)
    finally:
        task.cancel()
    assert result.result == 1, result.error
    assert len(ticks) >= 10, ticks


@pytest.mark.parametrize("name", sorted(BLOCKED))
async def test_a_blocked_program_in_process_stops_at_the_timeout(name: str) -> None:
    """The stop lands between the sandbox's wait slices: the timed-out program's thread
    ends soon after the timeout, not when ``time.sleep(100)`` would return (or never,
    for a ``get`` on an empty queue)."""
    driver = InProcessDriver()  # no idle threads: the run gets a thread of its own
    before = {t for t in threading.enumerate() if t.name == "codemode-inprocess"}
    result = await run(driver, BLOCKED[name], timeout_s=0.3)
    assert result.error is not None and result.error.type == "TimeoutError"
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        alive = {t for t in threading.enumerate() if t.name == "codemode-inprocess"}
        if alive <= before:
            break
        await asyncio.sleep(0.02)
    assert alive <= before, alive - before
    await driver.close()


REFUSED_SYS_NAMES = """
    modules path meta_path path_hooks settrace setprofile gettrace _getframe
    setrecursionlimit stdin executable prefix flags getrefcount
    audit addaudithook excepthook displayhook exc_info exception breakpointhook
    builtin_module_names __stdout__ __stderr__ __dict__ __loader__ __spec__ _current_frames
    set_asyncgen_hooks unraisablehook orig_argv stdlib_module_names dont_write_bytecode
""".split()


@pytest.mark.parametrize("name", REFUSED_SYS_NAMES)
async def test_refused_sys_names(driver: Any, name: str) -> None:
    result = await run(driver, f"import sys\nreturn getattr(sys, {name!r})")
    assert not result.success, result.result
    assert result.error is not None and result.error.type in ("PolicyViolation", "AttributeError")
    if not name.startswith("_"):
        assert "not available in the sandbox" in result.error.message


SYS_ESCAPES = (
    """
import sys, time, copy, operator, queue
"""
    + ATTEMPT
    + """tries = {
    "class_dict": lambda: type(sys).__dict__,
    "dunder_class_dict": lambda: sys.__class__.__dict__,
    "getattr_globals": lambda: type(sys).__getattr__.__globals__,
    "getattr_closure": lambda: type(sys).__getattr__.__code__,
    "module_dict": lambda: sys.__dict__,
    "object_getattribute": lambda: object.__getattribute__(sys, "__dict__"),
    "stream_class_dict": lambda: type(sys.stdout).__dict__,
    "stream_dict": lambda: sys.stdout.__dict__,
    "stream_vars": lambda: vars(sys.stdout),
    "stream_buffer": lambda: sys.stdout.buffer,
    "stream_fileno": lambda: sys.stdout.fileno(),
    "stream_detach": lambda: sys.stdout.detach(),
    "stream_init": lambda: type(sys.stdout).__init__.__globals__,
    "write_self": lambda: sys.stdout.write.__self__,
    "write_closure": lambda: sys.stdout.write.__call__.__closure__,
    "write_globals": lambda: sys.stdout.write.__call__.__globals__,
    "write_code": lambda: sys.stdout.write.__call__.__code__,
    "write_dict": lambda: sys.stdout.write.__dict__,
    "limit_self": lambda: sys.getrecursionlimit.__self__,
    "limit_closure": lambda: sys.getrecursionlimit.__call__.__closure__,
    "getsizeof_self": lambda: sys.getsizeof.__call__.__self__,
    "intern_self": lambda: sys.intern.__call__.__self__,
    "exit_globals": lambda: sys.exit.__call__.__globals__,
    "sleep_globals": lambda: time.sleep.__globals__,
    "sleep_closure": lambda: time.sleep.__closure__,
    "sleep_wrapped": lambda: time.sleep.__wrapped__,
    "format": lambda: "{0.__class__.__getattr__.__globals__}".format(sys),
    "attrgetter": lambda: operator.attrgetter("stdout.write.__call__.__closure__")(sys),
    "copy_stream": lambda: copy.copy(sys.stdout).write.__call__.__closure__,
    "new_module": lambda: type(sys)("x").modules,
    "queue_class_store": lambda: setattr(queue.Queue, "get", print),
    "condition_class_store": lambda: setattr(type(queue.Queue().not_empty), "wait", print),
    "condition_globals": lambda: type(queue.Queue().not_empty).wait.__globals__,
    "queue_init_globals": lambda: queue.Queue.__init__.__globals__,
    "queue_dict": lambda: queue.Queue().__dict__,
    "queue_vars": lambda: vars(queue.Queue()),
    "condition_lock": lambda: queue.Queue().not_empty._lock,
    "simple_get_globals": lambda: queue.SimpleQueue.get.__globals__,
    "queue_module_threading": lambda: queue.threading,
    "class_store": lambda: setattr(type(sys.stdout), "encoding", "latin-1"),
    "module_class_store": lambda: setattr(type(sys), "__getattr__", print),
    "vars": lambda: vars(sys),
}
out = {name: attempt(f) for name, f in tries.items()}
out["dir"] = sorted(n for n in dir(sys) if not n.startswith("__"))
sys.version = "patched"  # patches only this run's facade
sys.stdout.write = print
return out
"""
)

SAFE_SYS_NAMES = frozenset(
    "byteorder float_info float_repr_style getrecursionlimit hash_info hexversion "
    "implementation int_info maxsize maxunicode platform stderr stdout version "
    "version_info argv exit getsizeof intern".split()
)


async def test_sys_escapes(driver: Any) -> None:
    result = await run(driver, SYS_ESCAPES)
    assert result.success, result.error
    out = result.result
    allowed = {"dir"}
    leaked = {k: v for k, v in out.items() if k not in allowed and not str(v).startswith("refused")}
    assert leaked == {}, leaked
    names = set(SAFE_SYS_NAMES)
    assert set(out["dir"]) == names, out["dir"]
    again = await run(driver, "import sys\nreturn sys.version")  # a fresh facade
    assert again.result == sys.version


async def test_sys_writes_count_against_the_log_limit(driver: Any) -> None:
    code = "import sys\nwhile True:\n    sys.stderr.write('x' * 1000)"
    result = await run(driver, code, limits=RunLimits(max_log_bytes=10_000))
    assert not result.success
    assert result.error is not None and result.error.type == "OutputLimitExceeded"


#: The security walk (walk_cases.WALK) started from the new modules' objects.
WALK_ROOTS = """
import sys, time, queue
waiting = queue.Queue()
roots = [sys, sys.stdout, sys.stderr, sys.stdout.write, sys.getrecursionlimit,
         sys.implementation, sys.float_info, time, time.sleep, queue, waiting,
         waiting.not_empty, waiting.mutex, queue.SimpleQueue(), queue.PriorityQueue(),
         queue.LifoQueue(), queue.Empty(), type(sys), type(sys.stdout)]
"""


async def test_walk_from_the_new_modules_reaches_no_plumbing(driver: Any) -> None:
    kinds = await assert_walk_reaches_no_plumbing(driver, WALK_ROOTS)
    assert any("SysModule" in kind for kind in kinds)  # the walk did run
