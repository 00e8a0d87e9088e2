"""Standard library the model expects (issue 16, item 4): ``warnings``, and runtime
warnings in the logs as stderr.

Each program runs in the sandbox and in a fresh ``python -I`` (compiled as ``<program>``,
as the sandbox names it, with CPython's start-up filters): the result and what CPython
prints on stderr must match, and the sandbox's logs carry exactly that text, each line
marked ``[stderr] `` (how the two streams share the logs: tests/test_fidelity_stderr.py).
Then what is the sandbox's own: filters that do not outlive a run or reach the host, and
the escape tests (hooks, recorded messages and the registry hold no host object, no file
is read).
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import sysconfig
import textwrap
import warnings
from typing import Any

import pytest

from codemode_skills import InProcessDriver

from .conftest import run
from .fidelity_cases import ATTEMPT, ERR
from .test_fidelity_stderr import MARK, stderr_of

_REFERENCE = """
import ast, asyncio, json, sys
code = compile(sys.stdin.read(), "<program>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
namespace = {"__name__": "__main__"}
async def main():
    coro = eval(code, namespace)
    if coro is not None:
        await coro
asyncio.run(main())
sys.stdout.write("\\n" + json.dumps(namespace["result"], default=repr))
"""
_EPILOGUE = "\nimport json as _json\nreturn _json.loads(_json.dumps(result, default=repr))"


def cpython(source: str) -> tuple[Any, list[str]]:
    """``source``'s ``result`` and stderr lines in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-I", "-c", _REFERENCE],
        input=source,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.rpartition("\n")[2]), done.stderr.splitlines()


async def sandbox(driver: Any, source: str) -> tuple[Any, list[str]]:
    result = await run(driver, source + _EPILOGUE)
    assert result.error is None, result.error
    return result.result, result.logs


PROGRAMS: dict[str, str] = {
    "shown_by_default": """
        import warnings
        warnings.warn("plain")
        warnings.warn("deprecated in main", DeprecationWarning)
        warnings.warn("pending", PendingDeprecationWarning)
        warnings.warn("resource", ResourceWarning)
        warnings.warn("future", FutureWarning)
        warnings.warn(RuntimeWarning("an instance"))
        warnings.warn("level zero", stacklevel=0)
        for i in range(3):
            warnings.warn("once per line")
        def helper():
            warnings.warn("the caller's line", stacklevel=2)
        helper()
        helper()
        class Custom(UserWarning):
            pass
        warnings.warn("custom", category=Custom)
        result = [err(lambda: warnings.warn("x", int)), err(lambda: warnings.warn("x", 5)),
                  err(lambda: warnings.warn("x", stacklevel="a")), err(lambda: warnings.warn()),
                  warnings.defaultaction, [(f[0], f[2].__name__, f[3]) for f in warnings.filters],
                  repr(warnings.warn), repr(warnings.warn_explicit), warnings.showwarning.__name__,
                  warnings.showwarning.__module__, warnings.onceregistry]
    """,
    "filters": """
        import warnings
        warnings.simplefilter("error")
        raised = err(lambda: warnings.warn("boom"))
        warnings.simplefilter("ignore", UserWarning)
        warnings.warn("ignored")
        warnings.resetwarnings()
        warnings.filterwarnings("error", message="bad.*", category=UserWarning)
        bad = err(lambda: warnings.warn("BAD thing"))
        warnings.warn("fine")
        warnings.filterwarnings("ignore", module="__main__")
        warnings.warn("from main")
        warnings.resetwarnings()
        warnings.simplefilter("always")
        for i in range(2):
            warnings.warn("always shown")
        warnings.simplefilter("once")
        for i in range(2):
            warnings.warn("once only")
        def other():
            warnings.warn("once only")
        other()
        warnings.simplefilter("module")
        for i in range(2):
            warnings.warn("per module")
        warnings.simplefilter("error", lineno=99999)
        warnings.simplefilter("default", append=True)
        result = [raised, bad,
                  [(f[0], f[1] and f[1].pattern, f[2].__name__, f[3] and f[3].pattern, f[4])
                   for f in warnings.filters],
                  err(lambda: warnings.simplefilter("loud")),
                  err(lambda: warnings.filterwarnings("error", lineno=-1)),
                  err(lambda: warnings.filterwarnings("error", message=1)),
                  err(lambda: warnings.filterwarnings("error", category=int)),
                  err(lambda: warnings.filterwarnings("error", category="x")),
                  err(lambda: warnings.filterwarnings("error", module=1))]
        warnings.filters.clear()
        warnings.defaultaction = "error"
        result.append(err(lambda: warnings.warn("by the default action")))
        warnings.defaultaction = "default"
        warnings.filters = [("error", None, FutureWarning, None, 0)]
        result.append(err(lambda: warnings.warn("a list of its own", FutureWarning)))
        warnings.filters = [42]
        result.append(err(lambda: warnings.warn("a bad filter")))
    """,
    "catch_warnings": """
        import warnings
        original = warnings.showwarning
        with warnings.catch_warnings(record=True) as log:
            warnings.simplefilter("always")
            warnings.warn("one")
            warnings.warn("two", DeprecationWarning)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                warnings.warn("hidden")
            warnings.warn("three")
        after = [len(warnings.filters), warnings.showwarning is original]
        with warnings.catch_warnings(action="error"):
            inner = err(lambda: warnings.warn("raised"))
        with warnings.catch_warnings(record=True, action="always", category=UserWarning) as twice:
            warnings.warn("a")
            warnings.warn("a")
        cw = warnings.catch_warnings(record=True)
        reprs = [repr(cw), repr(warnings.catch_warnings())]
        with cw:
            pass
        warnings.warn("after the blocks")
        result = [[(str(w.message), w.category.__name__, w.filename, w.lineno, w.line, w.file,
                    w.source) for w in log], [str(w) for w in log], after, inner, len(twice),
                  reprs, err(lambda: cw.__enter__()),
                  err(lambda: warnings.catch_warnings().__exit__(None, None, None))]
    """,
    "hooks": """
        import io, re, warnings
        seen = []
        def show(message, category, filename, lineno, file=None, line=None):
            seen.append([str(message), category.__name__, filename, lineno, file, line])
        original = warnings.showwarning
        warnings.showwarning = show
        warnings.warn("to the hook")
        re.purge()
        re.compile("[[x]")
        warnings.showwarning = original
        def fmt(message, category, filename, lineno, line=None):
            return f"custom: {message} ({category.__name__}, line {lineno})\\n"
        warnings.formatwarning = fmt
        warnings.warn("formatted")
        warnings.formatwarning = warnings._formatwarning_orig
        buffer = io.StringIO()
        warnings.showwarning("direct", UserWarning, "f.py", 3, file=buffer)
        warnings.showwarning("with line", UserWarning, "f.py", 4, file=buffer, line="  x = 1 ")
        text = warnings.formatwarning("m", UserWarning, "f.py", 3)
        text2 = warnings.formatwarning("m", UserWarning, "f.py", 3, "src")
        warnings.showwarning = 5
        bad_hook = err(lambda: warnings.warn("not callable"))
        warnings.showwarning = original
        result = [seen, buffer.getvalue(), text, text2, bad_hook]
    """,
    "from_the_stdlib": """
        import random, re, warnings
        re.purge()
        re.compile("[[a]")
        random.randrange(3.0)
        async def never():
            pass
        never()
        warnings.simplefilter("error")
        re.purge()
        result = [err(lambda: re.compile("[[b]"))]
    """,
    "warn_explicit_and_registry": """
        import warnings
        registry = {}
        warnings.warn_explicit("explicit", UserWarning, "somefile.py", 7)
        warnings.warn_explicit("with module", UserWarning, "other.py", 8, "mod", registry)
        warnings.warn_explicit("with module", UserWarning, "other.py", 8, "mod", registry)
        warnings.warn_explicit(UserWarning("an instance"), None, "x.py", 1)
        warnings.warn("into the module registry")
        result = [sorted(str(k) for k in registry), sorted(str(k) for k in __warningregistry__),
                  err(lambda: warnings.warn_explicit("m", UserWarning, "f", 1, module_globals=5)),
                  err(lambda: warnings.warn_explicit("m", UserWarning, "f", 1, registry=5)),
                  err(lambda: warnings.warn_explicit("m", None, "f", 1))]
    """,
    "redirect_stderr": """
        import contextlib, io, sys, warnings
        buffer = io.StringIO()
        with contextlib.redirect_stderr(buffer):
            warnings.warn("redirected")
            print("also redirected", file=sys.stderr)
        warnings.warn("not redirected")
        print("printed")
        result = buffer.getvalue()
    """,
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
async def test_program_matches_cpython(driver: Any, name: str) -> None:
    source = ERR + textwrap.dedent(PROGRAMS[name])
    expected, expected_stderr = cpython(source)
    got, logs = await sandbox(driver, source)
    assert got == expected
    assert stderr_of(logs) == expected_stderr
    assert all(MARK + line in logs for line in expected_stderr)


async def test_stacklevel_past_the_program_is_sys(driver: Any) -> None:
    """CPython's ``sys:1`` for a warning raised above the first frame of a script."""
    code = (
        "import warnings\nwarnings.warn('top', stacklevel=2)\n"
        "def f():\n    warnings.warn('deep', stacklevel=5)\nf()\nreturn 1"
    )
    result = await run(driver, code)
    assert result.logs == [f"{MARK}sys:1: UserWarning: top", f"{MARK}sys:1: UserWarning: deep"]


async def test_a_stdlib_frame_shows_no_host_path(driver: Any) -> None:
    """``hmac`` warns about its own line: CPython names the file by its path, the sandbox
    by its path inside the standard library, and reads no source line from it."""
    source = ERR + textwrap.dedent(
        """
        import hashlib, hmac
        class Digest:
            block_size, digest_size = 8, 16
            def __init__(self, data=b""):
                self.h = hashlib.md5(data)
            def update(self, data):
                self.h.update(data)
            def copy(self):
                other = Digest()
                other.h = self.h.copy()
                return other
            def digest(self):
                return self.h.digest()
        result = hmac.new(b"key", b"message", Digest).digest().hex()
        """
    )
    expected, expected_stderr = cpython(source)
    got, logs = await sandbox(driver, source)
    root = sysconfig.get_path("stdlib") + "/"
    assert got == expected
    assert expected_stderr[0].startswith(root + "hmac.py:")
    assert stderr_of(logs) == [expected_stderr[0].removeprefix(root)]


async def test_filters_do_not_outlive_a_run(driver: Any) -> None:
    first = (
        "import warnings\nwarnings.simplefilter('error')\nwarnings.filters.append(1)\n"
        "warnings.showwarning = print\nwarnings.defaultaction = 'ignore'\nreturn 1"
    )
    assert (await run(driver, first)).result == 1
    second = (
        "import re, warnings\nre.purge()\nre.compile('[[z]')\nwarnings.warn('shown')\n"
        "return [len(warnings.filters), warnings.filters[0][0], warnings.defaultaction,"
        " warnings.showwarning.__name__]"
    )
    result = await run(driver, second)
    assert result.result == [5, "default", "default", "showwarning"], result.error
    assert stderr_of(result.logs) == [
        "<program>:3: FutureWarning: Possible nested set at position 1",
        "<program>:4: UserWarning: shown",
    ]


async def test_the_host_keeps_its_warnings_in_process() -> None:
    """While a program that turned every warning into an error runs, the host's own
    warnings follow the host's filters and hooks; after it, nothing it set remains."""
    driver = InProcessDriver()
    filters, showwarning = list(warnings.filters), warnings.showwarning
    code = (
        "import time, warnings\nwarnings.simplefilter('error')\nwarnings.showwarning = print\n"
        "warnings.filters.insert(0, ('ignore', None, Warning, None, 0))\ntime.sleep(0.3)\n"
        "warnings.warn('the program')\nreturn 1"
    )
    with warnings.catch_warnings(record=True) as log:
        warnings.simplefilter("always")
        task = asyncio.create_task(run(driver, code))
        await asyncio.sleep(0.1)
        warnings.warn("the host", UserWarning, stacklevel=1)
        result = await task
    assert result.result == 1 and result.logs == [], result
    assert [str(w.message) for w in log] == ["the host"]
    assert warnings.filters == filters and warnings.showwarning is showwarning
    assert type(sys.modules["warnings"]).__name__ == "InterpreterWarnings"
    assert warnings.filters is vars(warnings)["filters"]  # host code reads its own
    await driver.close()


WARNINGS_ESCAPES = (
    """
import re, sys, warnings
"""
    + ATTEMPT
    + """class Loader:
    called = False
    def get_source(self, name):
        Loader.called = True
        return "secret source"
tries = {
    "module_dict": lambda: vars(warnings), "dunder_dict": lambda: warnings.__dict__,
    "module_sys": lambda: warnings.sys, "mutated_self": lambda: warnings._filters_mutated.__self__,
    "warn_self": lambda: warnings.warn.__self__,
    "warn_closure": lambda: warnings.warn.__call__.__closure__,
    "warn_globals": lambda: warnings.warn.__call__.__globals__,
    "show_globals": lambda: warnings.showwarning.__globals__,
    "show_closure": lambda: warnings.showwarning.__closure__,
    "impl_closure": lambda: warnings._showwarnmsg_impl.__closure__,
    "impl_code": lambda: warnings._showwarnmsg_impl.__code__,
    "catch_module": lambda: warnings.catch_warnings()._module,
    "catch_vars": lambda: vars(warnings.catch_warnings()),
    "catch_globals": lambda: warnings.catch_warnings.__init__.__globals__,
    "message_globals": lambda: warnings.WarningMessage.__init__.__globals__,
    "catch_sys": lambda: warnings.catch_warnings(module=sys).__enter__(),
    "class_store": lambda: setattr(warnings.catch_warnings, "__enter__", print),
    "format_field": lambda: "{0._showwarnmsg_impl.__closure__}".format(warnings),
}
out = {name: attempt(f) for name, f in tries.items()}
got = []
def hook(*args):
    got.append(args)
async def never():
    pass
warnings.showwarning = hook
warnings.simplefilter("always")
warnings.warn("mine")
re.purge()
re.compile("[[q]")
never()
warnings.warn_explicit("a file", UserWarning, "/etc/passwd", 1)
warnings.warn_explicit("a loader", UserWarning, "m.py", 1, module_globals={
    "__loader__": Loader(), "__name__": "m"})
warnings.showwarning = warnings._showwarning_orig
out["hook_args"] = [[type(a).__name__ for a in args] for args in got]
out["hook_files"] = [args[2] for args in got]
with warnings.catch_warnings(record=True) as log:
    warnings.simplefilter("always")
    never()
    warnings.warn("with a source", ResourceWarning, source=hook)
out["sources"] = [w.source is None for w in log] + [log[-1].source is hook]
warnings.simplefilter("default")
never()
re.purge()
re.compile("[[r]")
out["registry"] = sorted({type(part).__name__ for key in __warningregistry__
                          for part in (key if type(key) is tuple else (key,))})
out["loader_called"] = Loader.called
warnings.warn_explicit("shown", UserWarning, "/etc/passwd", 1)
return out
"""
)


async def test_warnings_escapes(driver: Any) -> None:
    result = await run(driver, WARNINGS_ESCAPES)
    assert result.success, result.error
    out = result.result
    categories = ["UserWarning", "FutureWarning", "RuntimeWarning", "UserWarning", "UserWarning"]
    plain = ["type", "str", "int", "NoneType", "NoneType"]  # category, file, line, file, line
    assert out.pop("hook_args") == [[category, *plain] for category in categories]
    assert out.pop("hook_files") == ["<program>", "<program>", "<program>", "/etc/passwd", "m.py"]
    assert out.pop("sources") == [True, False, True]  # the program's own source only
    assert out.pop("registry") == ["int", "str", "type"]
    assert out.pop("loader_called") is False  # no source is fetched for a warning
    leaked = {k: v for k, v in out.items() if not str(v).startswith("refused")}
    assert leaked == {}, leaked
    assert result.logs[-1] == f"{MARK}/etc/passwd:1: UserWarning: shown"  # and no line of it
    assert not re.search(r"root:|secret source|/(root|work|usr)/", str(result.result))
