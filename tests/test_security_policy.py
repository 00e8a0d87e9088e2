"""Escape attempts against the language policy, on both drivers.

Every attempt must fail with a refusal (never hand out the forbidden object), and the
next execution on the same driver must still work.
"""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import run

# program -> error types accepted as "contained"
ESCAPES: dict[str, tuple[str, ...]] = {
    # the class graph
    "mro_subclasses": ("().__class__.__mro__[1].__subclasses__()", ("PolicyViolation",)),
    "base_subclasses": ("().__class__.__base__.__subclasses__()", ("PolicyViolation",)),
    "type_subclasses": ("type.__subclasses__(object)", ("PolicyViolation",)),
    "getattr_computed": (
        "getattr(object, '__subcl' + 'asses__')()",
        ("PolicyViolation",),
    ),
    "mro_method": ("int.mro()", ("PolicyViolation",)),
    "vars_of_type": ("vars(type)['__subclasses__'](object)", ("PolicyViolation",)),
    "type_dict": ("type.__dict__['__subclasses__'](object)", ("PolicyViolation",)),
    "getattribute_slot": (
        "object.__getattribute__(object, '__subclasses__')()",
        ("PolicyViolation",),
    ),
    "super_getattribute": (
        "class A:\n    def f(self):\n        return super().__getattribute__('__class__')"
        ".__getattribute__(A, '__subclasses__')\nA().f()",  # (a program class's bases are its own)
        ("PolicyViolation",),
    ),
    # frames, code, generators, tracebacks
    "gi_frame_f_back": (
        "def g():\n    yield 1\nx = g()\nnext(x)\nx.gi_frame.f_back",
        ("PolicyViolation",),
    ),
    "gi_frame_getattr": (
        "def g():\n    yield 1\ngetattr(g(), 'gi_' + 'frame')",
        ("PolicyViolation",),
    ),
    "coroutine_frame": (
        "async def c():\n    return 1\nco = c()\ntry:\n    co.cr_frame\nfinally:\n    co.close()",
        ("PolicyViolation",),
    ),
    "traceback_frame": (
        "try:\n    1 / 0\nexcept Exception as e:\n    e.__traceback__.tb_frame.f_globals",
        ("PolicyViolation",),
    ),
    "function_globals": ("def f(): pass\nf.__globals__", ("PolicyViolation",)),
    "function_globals_getattr": (
        "def f(): pass\ngetattr(f, '__glob' + 'als__')['__builtins__']",
        ("PolicyViolation",),
    ),
    "function_code": ("def f(): pass\nf.__code__.co_consts", ("PolicyViolation",)),
    "function_closure": ("x = 1\ndef f():\n    return x\nf.__closure__", ("PolicyViolation",)),
    "builtin_self": ("len.__self__", ("PolicyViolation",)),
    "print_self": ("[].append.__self__.__class__.__bases__", ("PolicyViolation",)),
    # format-string attribute tricks
    "format_field": ("'{0.__class__.__init__.__globals__}'.format(1)", ("PolicyViolation",)),
    "format_field_class": ("'{0.__class__}'.format(1)", ("PolicyViolation",)),
    "fstring_walk": ("f'{(1).__class__.__base__}'", ("PolicyViolation",)),
    "import_socket": (
        "import socket\nsocket.create_connection(('127.0.0.1', 80))",
        ("PolicyViolation",),
    ),
    "import_subprocess": ("import subprocess\nsubprocess.run(['id'])", ("PolicyViolation",)),
    "format_map_field": (
        "def f(): pass\n'{x.__globals__}'.format_map({'x': f})",
        ("PolicyViolation",),
    ),
    "str_format_unbound": (
        "def f(): pass\nstr.format('{0.__globals__}', f)",
        ("PolicyViolation",),
    ),
    "formatter_class": (
        "import string\ndef f(): pass\nstring.Formatter().format('{0.__globals__}', f)",
        ("PolicyViolation",),
    ),
    "format_via_getattr": (
        "def f(): pass\ngetattr('{0.__globals__}', 'format')(f)",
        ("PolicyViolation",),
    ),
    # imports and module walks
    "dunder_import": ("__import__('os')", ("PolicyViolation",)),
    "import_os": ("import os\nos.environ", ("PolicyViolation",)),
    "import_sys_modules": ("import sys\nsys.modules['os']", ("PolicyViolation",)),
    "importlib": ("import importlib\nimportlib.import_module('os')", ("PolicyViolation",)),
    "import_gc": ("import gc\ngc.get_objects()", ("PolicyViolation",)),
    "from_import_submodule": ("from os import path", ("PolicyViolation",)),
    "module_walk": ("import re\nre.enum.sys", ("AttributeError",)),
    "module_private_walk": ("import typing\ntyping._sys", ("AttributeError", "PolicyViolation")),
    "module_dict": ("import json\njson.__dict__", ("PolicyViolation",)),
    "module_loader": ("import json\njson.__loader__", ("PolicyViolation",)),
    "type_hints_eval": ("import typing\ntyping.get_type_hints", ("AttributeError",)),
    "attrgetter": (
        "import operator\ndef f(): pass\noperator.attrgetter('__globals__')(f)",
        ("PolicyViolation",),
    ),
    "methodcaller": (
        "import operator\noperator.methodcaller('__reduce_ex__', 2)(1)",
        ("PolicyViolation",),
    ),
    "asyncio_subprocess": (
        "import asyncio\nawait asyncio.create_subprocess_exec('id')",
        ("AttributeError",),
    ),
    "asyncio_loop": ("import asyncio\nasyncio.get_running_loop()", ("AttributeError",)),
    # builtins that open doors
    "open_file": ("open('/etc/passwd').read()", ("PolicyViolation",)),
    "exec_builtin": ("exec('1')", ("PolicyViolation",)),
    "eval_builtin": ("eval('1')", ("PolicyViolation",)),
    "compile_builtin": ("compile('1', 'x', 'eval')", ("PolicyViolation",)),
    "globals_builtin": ("globals()['__builtins__']", ("KeyError",)),  # a copy without it
    "builtins_name": ("__builtins__['open']", ("PolicyViolation",)),
    "reserved_guard_name": ("__cm_getattr__ = getattr", ("PolicyViolation",)),
    "match_dunder": (
        "def f(): pass\nmatch f:\n    case object(__globals__=g):\n        pass",
        ("PolicyViolation",),
    ),
    "reduce_ex": ("(1).__reduce_ex__(2)", ("PolicyViolation",)),
    "setattr_dunder": ("def f(): pass\nsetattr(f, '__code__', None)", ("PolicyViolation",)),
}


@pytest.mark.parametrize("name", sorted(ESCAPES))
async def test_escape_is_contained(driver: Any, name: str) -> None:
    code, accepted = ESCAPES[name]
    result = await run(driver, code + "\nreturn 'escaped'")
    assert not result.success, f"{name} was not contained: {result.result!r}"
    assert result.error is not None and result.error.type in accepted, result.error
    assert "escaped" not in str(result.result)
    # the driver is still healthy
    after = await run(driver, "return 6 * 7")
    assert after.success and after.result == 42


async def test_policy_violation_reports_line(driver: Any) -> None:
    result = await run(driver, "x = 1\ny = 2\nreturn x.__class__.__base__")
    assert result.error is not None
    assert result.error.type == "PolicyViolation"
    assert result.error.line == 3


async def test_hasattr_on_forbidden_name_is_false(driver: Any) -> None:
    result = await run(
        driver, "def f(): pass\nreturn [hasattr(f, '__globals__'), hasattr(f, '__name__')]"
    )
    assert result.result == [False, True]


async def test_refused_objects_never_leak_through_containers(driver: Any) -> None:
    # a private attribute holding a module, on an object the program did not create
    code = "import json\nd = json.JSONDecoder()\nreturn [type(d).__name__, d.__class__.__name__]"
    result = await run(driver, code)
    assert result.result == ["JSONDecoder", "JSONDecoder"]


async def test_module_patch_does_not_leak_between_runs(driver: Any) -> None:
    first = await run(
        driver, "import math\nmath.pi = 3\nimport json\njson.dumps = None\nreturn math.pi"
    )
    assert first.result == 3
    second = await run(driver, "import math, json\nreturn [math.pi, json.dumps([1])]")
    assert second.result == [3.141592653589793, "[1]"]


async def test_global_state_does_not_leak_between_runs(driver: Any) -> None:
    await run(driver, "shared = 'secret from run 1'\nreturn None")
    result = await run(driver, "return shared")
    assert result.error is not None and result.error.type == "NameError"


async def test_error_messages_carry_no_host_paths(driver: Any) -> None:
    result = await run(driver, "import json\njson.loads('{bad')")
    assert result.error is not None and result.error.type == "JSONDecodeError"
    rendered = result.model_dump_json()
    for fragment in ("/root", "site-packages", "codemode_skills", '.py"', "/work/"):
        assert fragment not in rendered
