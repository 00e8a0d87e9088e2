"""Error paths and replaced builtins read as CPython's (issue 16, language fidelity 2-3).

Each fidelity program sets ``result`` and is compared with plain CPython running the same
text at module level (``test_language._cpython``), on both drivers. Each relaxation
(errors from the replaced builtins, ``ModuleNotFoundError``, relative imports that run,
refused attribute names refused when their line runs) has escape tests beside it: the
attack must still get nothing.
"""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from codemode_skills.sandbox.jail.policy import names, transformer

from .conftest import run
from .fidelity_cases import assert_matches_cpython

PROGRAMS: dict[str, str] = {
    "attribute_builtins_wrong_calls": """
        class Plain: pass
        p = Plain()
        result = [err(lambda: getattr()), err(lambda: getattr(1)), err(lambda: getattr(1, 2)),
                  err(lambda: getattr(1, "x", 2, 3)), err(lambda: getattr(1, name="x")),
                  err(lambda: getattr(1, "nope")), getattr(1, "nope", "default"),
                  err(lambda: hasattr()), err(lambda: hasattr(1)), err(lambda: hasattr(1, 2)),
                  err(lambda: hasattr(1, 2, 3)), err(lambda: hasattr(obj=1, name="x")),
                  err(lambda: setattr(1)), err(lambda: setattr(1, 2, 3)),
                  err(lambda: setattr(1, "x", 3)), err(lambda: delattr(1)),
                  err(lambda: delattr(1, 2)), err(lambda: delattr(p, "nope")),
                  hasattr(p, "nope"), setattr(p, "a", 1), getattr(p, "a"), delattr(p, "a")]
    """,
    "dir_and_vars_wrong_calls": """
        class Slotted:
            __slots__ = ("a",)
        class Plain:
            def __init__(self): self.a = 1
        result = [err(lambda: dir(1, 2)), err(lambda: dir(x=1)), err(lambda: vars(1, 2)),
                  err(lambda: vars(x=1)), err(lambda: vars(1)), err(lambda: vars(Slotted())),
                  err(lambda: vars(print)), vars(Plain()), "a" in dir(Plain())]
    """,
    "print_arguments": """
        import io
        class Writer:
            def __init__(self): self.parts = []
            def write(self, text): self.parts.append(text)
            def flush(self): self.parts.append("<flush>")
        w, buf = Writer(), io.StringIO()
        print("a", 1, None, sep="-", end="!", file=w, flush=True)
        print(file=w)
        print("x", "y", sep=None, end=None, file=buf)
        result = [err(lambda: print(sep=1)), err(lambda: print(end=1.5)),
                  err(lambda: print(x=2)), err(lambda: print(1, flush=1, x=2)),
                  err(lambda: print("a", file=1)), w.parts, buf.getvalue()]
    """,
    "replaced_builtins_look_like_builtins": """
        import copy, functools
        shown = (print, getattr, hasattr, setattr, delattr, dir, vars, open, eval, exec,
                 compile, input, breakpoint, globals, len)
        result = [[repr(f), str(f), f.__name__, f.__qualname__, f.__doc__,
                   f.__text_signature__, callable(f)] for f in shown]
        result.append([f.__module__ for f in shown if f is not open])  # open's is "io"
        result += [repr(type(print)), type(print).__name__, dir(print) == dir(len),
                   f"{getattr}", repr(functools.partial(print, 1)), copy.copy(print) is print,
                   copy.deepcopy(getattr) is getattr, {print: 1}[print],
                   err(lambda: type(print)()), err(lambda: type("X", (type(print),), {}))]
        try:
            print.x = 1
        except AttributeError:
            result.append("store refused")
    """,
    "real_builtins_keep_their_errors": """
        result = [err(lambda: type()), err(lambda: type(1, 2)), err(lambda: isinstance(1)),
                  err(lambda: isinstance(1, 2)), err(lambda: super()),
                  err(lambda: issubclass(1, int)), err(lambda: len(1, 2))]
    """,
    "module_not_found_is_caught": """
        caught = []
        try:
            import no_such_module_anywhere
        except ModuleNotFoundError as e:
            caught.append([type(e).__name__, e.name, isinstance(e, ImportError), e.path])
        try:
            from no_such_module_anywhere import thing
        except ImportError as e:
            caught.append([type(e).__name__, e.name])
        try:
            import no_such_module_anywhere as fallback
        except ImportError:
            import json as fallback
        result = [caught, fallback.dumps([1])]
    """,
    "relative_imports_raise_when_run": """
        out = []
        for attempt in range(5):
            try:
                if attempt == 0:
                    from . import x
                elif attempt == 1:
                    from .. import y
                elif attempt == 2:
                    from .m import z
                elif attempt == 3:
                    from . import *
                else:
                    from .m import *
            except ImportError as e:
                out.append([type(e).__name__, str(e)])
        if False:
            from . import never_run
        result = out
    """,
    "refused_names_in_lines_that_never_run": """
        def f(): pass
        class C:
            def m(self):
                self.mro = 1
                return self.__reduce_ex__(2)
        def never(x):
            x.__bases__, x.__base__, x.__subclasses__, x.mro, x.__code__, f.__globals__
            x.__closure__, x.__traceback__, x.__builtins__, x.__loader__, x.__spec__
            C.__bases__ = (); del C.__subclasses__; C.mro += 1
            return f"{x.__globals__}", super().__mro__
        if False:
            never(f)
        result = "ran"
    """,
}


@pytest.mark.filterwarnings("ignore::ImportWarning")  # CPython's relative import, no package
@pytest.mark.parametrize("name", sorted(PROGRAMS))
async def test_matches_cpython(driver: Any, name: str) -> None:
    await assert_matches_cpython(driver, PROGRAMS[name])


async def test_a_relative_import_on_the_textual_route(driver: Any) -> None:
    program = "try:\n    from . import x\nexcept ImportError as e:\n    return str(e)"
    assert transformer._policy_is_a_no_op(program)  # compiled from text, no AST pass
    result = await run(driver, program)
    assert result.result == "attempted relative import with no known parent package"


async def test_a_refused_module_says_why_and_is_a_policy_violation(driver: Any) -> None:
    caught = await run(
        driver, "try:\n    import os\nexcept ModuleNotFoundError as e:\n    return str(e)"
    )
    assert caught.result.startswith("import of 'os' is not allowed in the sandbox; allowed")
    uncaught = await run(driver, "x = 1\nimport subprocess\nreturn x")
    assert uncaught.error is not None and uncaught.error.type == "PolicyViolation"
    assert "'subprocess' is not allowed" in uncaught.error.message and uncaught.error.line == 2


@pytest.mark.parametrize(
    "line",
    [
        "int.__bases__",
        "f.__globals__",
        "int.mro()",
        "f.__code__",
        "C.__bases__ = ()",
        "del C.__subclasses__",
        "C.mro += 1",
        "C().m()",
        "getattr(f, '__closure__')",
    ],
)
async def test_a_refused_name_is_refused_when_its_line_runs(driver: Any, line: str) -> None:
    program = (
        "def f(): pass\nclass C:\n    def m(self):\n        self.mro = 1\n"
        f"print('before')\n{line}\nreturn 'escaped'"
    )
    result = await run(driver, program)
    assert result.error is not None and result.error.type == "PolicyViolation", result.error
    assert result.logs == ["before"]  # the program ran up to the refused line
    assert result.error.line == (4 if line == "C().m()" else 6)


@pytest.mark.parametrize(
    "program",
    [
        "print('never')\nx = __builtins__",  # a name: read natively, no run-time hook
        "print('never')\n__cm_store__ = lambda o: o",  # would replace a guard
        "print('never')\nmatch 1:\n    case int(_x=1):\n        pass",
        "print('never')\nclass C:\n    _x = 1\nmatch 1:\n    case C._x:\n        pass",
        "print('never')\nmatch int:\n    case int.mro:\n        pass",
        "print('never')\nmatch 1:\n    case int.__base__():\n        pass",
    ],
)
async def test_what_has_no_run_time_hook_stays_a_compile_time_refusal(
    driver: Any, program: str
) -> None:
    result = await run(driver, program)
    assert result.error is not None and result.error.type == "PolicyViolation", result.error
    assert result.logs == [] and result.error.line is not None


def test_expressions_compiled_for_the_stdlib_refuse_names_at_compile_time() -> None:
    # typing compiles forward references with this in a worker; stdlib code evaluates them
    # in a namespace of its choosing, where the run-time guard may not be the sandbox's
    for name in [*sorted(names.ALWAYS_DENIED), "__cm_getattr__"]:
        with pytest.raises(SyntaxError):
            transformer.compile_expression(f"x.{name}")
    assert transformer.compile_expression("x._y") is not None


def test_refused_names_never_take_the_textual_route() -> None:
    for name in names.ALWAYS_DENIED:
        assert names.needs_guard(name)
        assert not transformer._policy_is_a_no_op(f"return x.{name}"), name


# -- escapes: each relaxation, used to try to get out -------------------------------------
#: Every line is tried; anything it yields is a leak. Runs on both drivers.
RUNTIME_REFUSAL_ESCAPES = """
def f(): pass
class C:
    def m(self):
        return super().__getattribute__("__class__").__bases__[0].__subclasses__()
def g():
    yield 1
gen = g()
next(gen)
try:
    1 / 0
except ZeroDivisionError as exc:
    caught = exc
attempts = {
    "subclasses": lambda: ().__class__.__base__.__subclasses__(),
    "mro": lambda: int.mro(),
    "globals": lambda: f.__globals__["__builtins__"],
    "code": lambda: f.__code__.co_consts,
    "closure": lambda: f.__closure__,
    "traceback": lambda: caught.__traceback__.tb_frame,
    "gi_frame": lambda: gen.gi_frame.f_back,
    "type_subclasses": lambda: type.__subclasses__(object),
    "reduce": lambda: (1).__reduce_ex__(2),
    "super_bases": lambda: C().m(),
    "fstring": lambda: f"{f.__globals__}",
    "store_bases": lambda: setattr(C, "__bases__", (object,)),
    "object_dict": lambda: type.__dict__["__subclasses__"],
    "reserved_attr": lambda: C().__cm_getattr__,
    "reserved_store_own": lambda: setattr(C(), "__cm_x__", 1),
    "mro_store_own": lambda: store_own(),
}
def store_own():
    own = C()
    own.mro = 1
leaks = []
for label, attempt in attempts.items():
    try:
        got = attempt()
    except (PolicyViolation, AttributeError, TypeError):
        continue
    leaks.append(label)
try:
    got = f.__globals__
except AttributeError:  # a refusal caught like any failed access yields nothing
    got = None
return [leaks, got]
"""

IMPORT_ESCAPES = """
tried = []
for attempt in range(9):
    try:
        if attempt == 0:
            from . import os
        elif attempt == 1:
            from .. import sys
        elif attempt == 2:
            from .os import path
        elif attempt == 3:
            from . import *
        elif attempt == 4:
            import os
        elif attempt == 5:
            import os.path
        elif attempt == 6:
            from importlib import import_module
        elif attempt == 7:
            import builtins
        else:
            import gc
    except ModuleNotFoundError as e:
        tried.append(["missing", e.name, e.path, e.args[0].startswith("import of "),
                      e.__context__ is None, e.__cause__ is None])
    except ImportError as e:
        tried.append(["relative", e.name, e.path, str(e)])
try:
    import os
except ImportError as e:
    try:
        e.__traceback__
    except AttributeError:
        tried.append("traceback refused")
bound = [n for n in ("os", "sys", "gc", "path", "import_module", "builtins") if n in dir()]
return [tried, bound]
"""

BUILTIN_ESCAPES = """
import copy, functools, operator
def evil(*a, **k):
    return "replaced"
class Rebuild:
    def __reduce_ex__(self, protocol):
        return (lambda: getattr, (), (None, {"__call__": evil}))
wrapped = functools.wraps(print)(lambda *a: None)
attempts = {
    "print_closure": lambda: print.__call__.__closure__,
    "print_globals": lambda: print.__call__.__globals__,
    "print_code": lambda: print.__call__.__code__,
    "print_func_dict": lambda: print.__call__.__dict__,
    "getattr_globals": lambda: getattr.__call__.__globals__,
    "getattr_closure": lambda: getattr.__call__.__closure__,
    "open_closure": lambda: open.__call__.__closure__,
    "wrapped_attr": lambda: print.__wrapped__,
    "self": lambda: print.__self__,
    "dict": lambda: print.__dict__,
    "vars": lambda: vars(print),
    "class_dict": lambda: type(print).__dict__["__call__"],
    "class_vars": lambda: vars(type(print)),
    "slot_get": lambda: type(print).__call__.__get__(print).__closure__,
    "slot_set": lambda: type(print).__call__.__set__(getattr, evil),
    "getattribute": lambda: object.__getattribute__(print, "__call__").__closure__,
    "format_field": lambda: "{0.__call__.__globals__}".format(print),
    "attrgetter": lambda: operator.attrgetter("__call__.__globals__")(print),
    "wraps_walk": lambda: wrapped.__wrapped__.__call__.__closure__,
    "reduce": lambda: print.__reduce_ex__(2),
    "setattr": lambda: setattr(getattr, "__call__", evil),
    "object_setattr": lambda: object.__setattr__(getattr, "__call__", evil),
    "store": lambda: exec_store(),
    "delete": lambda: delattr(print, "__call__"),
    "copy_state": lambda: copy.copy(Rebuild()),
    "subclass": lambda: type("Mine", (type(print),), {"__call__": evil}),
    "new": lambda: object.__new__(type(print)).__call__,
}
def exec_store():
    hasattr.__call__ = evil
leaks = []
for label, attempt in attempts.items():
    try:
        got = attempt()
    except (PolicyViolation, AttributeError, TypeError, KeyError):
        continue
    leaks.append(label)
return [leaks, getattr(1, "real"), hasattr(1, "real"), repr(getattr)]
"""


@pytest.mark.parametrize(
    "program",
    [RUNTIME_REFUSAL_ESCAPES, IMPORT_ESCAPES, BUILTIN_ESCAPES],
    ids=["runtime-refusals", "imports", "builtins"],
)
async def test_escapes_get_nothing(driver: Any, program: str) -> None:
    result = await run(driver, textwrap.dedent(program))
    assert result.error is None, result.error
    if program is RUNTIME_REFUSAL_ESCAPES:
        assert result.result == [[], None]
    elif program is IMPORT_ESCAPES:
        message = "attempted relative import with no known parent package"
        relative = ["relative", None, None, message]
        missing = [
            ["missing", name, None, True, True, True]
            for name in ("os", "os.path", "importlib", "builtins", "gc")
        ]
        assert result.result == [[relative] * 4 + missing + ["traceback refused"], []]
    else:
        assert result.result == [[], 1, True, "<built-in function getattr>"]
    # the shared builtins (one set per process in-process) are intact for the next run
    after = await run(driver, "return [getattr(2, 'real'), hasattr.__name__, repr(print)]")
    assert after.result == [2, "hasattr", "<built-in function print>"]
