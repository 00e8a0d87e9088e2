"""The logs carry stderr as lines marked ``[stderr] `` (issue 16, item 4).

``sys.stderr.write``, ``print(..., file=sys.stderr)``, warnings and, in a worker, what
stdlib code writes to the process's ``sys.stderr`` all reach the logs marked, through both
drivers; each stream keeps its own line, nothing is held back, the markers count against
the log limit as the host counts them, and the worker's report of an exception CPython
cannot raise keeps only the program's frames.
"""

from __future__ import annotations

import re
from typing import Any

from codemode_skills.sandbox import RunLimits

from .conftest import run

#: What every stderr line of the logs starts with (docs/security.md, "Logs").
MARK = "[stderr] "


def stderr_of(logs: list[str]) -> list[str]:
    """The stderr lines of ``logs``, unmarked."""
    return [line.removeprefix(MARK) for line in logs if line.startswith(MARK)]


async def test_streams_interleave_with_stderr_lines_marked(driver: Any) -> None:
    code = """
import sys
print("out", end="")
print("err", file=sys.stderr)
print(" more")
sys.stderr.write("x")
print("y")
sys.stderr.write("\\n")
print("a", "b", sep="-", file=sys.stderr)
sys.stderr.write("multi\\nline\\n\\n")
print()
sys.stderr.write("never finished")
return 1
"""
    result = await run(driver, code)
    assert result.success, result.error
    assert result.logs == [
        "out",
        f"{MARK}err",
        " more",
        f"{MARK}x",
        "y",
        f"{MARK}a-b",
        f"{MARK}multi",
        f"{MARK}line",
        MARK,
        "",
        f"{MARK}never finished",
    ]


async def test_an_unfinished_stderr_line_is_in_the_logs_at_a_timeout(driver: Any) -> None:
    code = "import sys, time\nsys.stderr.write('progress 50%')\ntime.sleep(100)"
    result = await run(driver, code, timeout_s=0.5)
    assert result.error is not None and result.error.type == "TimeoutError"
    assert result.logs == [f"{MARK}progress 50%"]


async def test_markers_count_against_the_log_limit(driver: Any) -> None:
    """100 bytes written, 190 logged: the jail stops the run as the host counts, never a
    worker killed for flooding (``SandboxError``)."""
    code = "import sys\nfor i in range(10):\n    sys.stderr.write('abcdefghi\\n')\nreturn 1"
    result = await run(driver, code, limits=RunLimits(max_log_bytes=150))
    assert result.error is not None and result.error.type == "OutputLimitExceeded"
    assert all(line == f"{MARK}abcdefghi" for line in result.logs)


async def test_the_worker_reports_unraisable_errors_on_stderr(subprocess_driver: Any) -> None:
    """An exception CPython cannot raise (in ``__del__``; an ``error`` warning in a
    finalizer) is reported as CPython does, with the program's frames only."""
    code = """
import warnings
class Leaky:
    def __del__(self):
        1 / 0
Leaky()
warnings.simplefilter("error")
async def never():
    pass
never()
return 1
"""
    result = await run(subprocess_driver, code)
    assert result.result == 1, result.error
    logs = [re.sub(r"0x[0-9a-f]+", "0x…", line) for line in result.logs]
    assert logs == [
        f"{MARK}Exception ignored in: <function Leaky.__del__ at 0x…>",
        f"{MARK}Traceback (most recent call last):",
        f'{MARK}  File "<program>", line 5, in __del__',
        f"{MARK}ZeroDivisionError: division by zero",
        f"{MARK}Exception ignored in: <coroutine object never at 0x…>",
        f"{MARK}RuntimeWarning: coroutine 'never' was never awaited",
    ]


async def test_the_worker_process_streams_are_marked_too(subprocess_driver: Any) -> None:
    """What stdlib code writes to the real ``sys.stderr`` of a worker is stderr too."""
    result = await run(subprocess_driver, "import typing\ntyping.reveal_type(1)\nreturn 1")
    assert result.logs == [f"{MARK}Runtime type is 'int'"]
