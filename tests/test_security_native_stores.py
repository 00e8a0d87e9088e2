"""Public attribute stores compile natively for a worker (a process of the program's own,
its shared classes frozen), and stay checked in-process (one process for every run and
the host). What must hold either way: no store outlives its execution, stdlib classes
and builtins refuse it, and private and dunder names keep their checks."""

from __future__ import annotations

import dis
from typing import Any

from codemode_skills import InProcessDriver, SubprocessDriver
from codemode_skills.sandbox.jail.policy.transformer import compile_program
from codemode_skills.sandbox.jail.policy.visitor import STORE

from .conftest import run

#: Stores on shared stdlib objects that are neither classes nor the program's own.
PLANT = (
    "import decimal, json\n"
    "decimal.DefaultContext.prec = 3\n"
    "json.dumps.marker = 'planted'\n"
    "return [decimal.DefaultContext.prec, json.dumps.marker]"
)
CHECK = "import decimal, json\nreturn [decimal.DefaultContext.prec, hasattr(json.dumps, 'marker')]"


def _names(code: Any) -> set[str]:
    found = {i.argval for i in dis.get_instructions(code) if isinstance(i.argval, str)}
    for const in code.co_consts:
        if hasattr(const, "co_code"):
            found |= _names(const)
    return found


def test_only_code_for_an_isolated_process_skips_the_public_store_guard() -> None:
    source = (
        "class P:\n    def __init__(self, x):\n        self.x = x\n"
        "p = P(1)\nfor i in range(3):\n    p.x = p.x + i\nreturn p.x"
    )
    assert STORE in _names(compile_program(source))
    assert STORE not in _names(compile_program(source, isolated=True))
    private = "class P: pass\np = P()\np._x = 1\nreturn p._x"
    assert _names(compile_program(private, isolated=True)) & {STORE, f"{STORE[:-2]}_named__"}


async def test_a_store_on_a_shared_object_never_outlives_its_run(driver: Any) -> None:
    """In a worker the store happens in the program's own copy of the process; in-process
    the policy refuses it. Either way the next run sees the stdlib as it was."""
    planted = await run(driver, PLANT)
    if isinstance(driver, InProcessDriver):
        assert planted.error is not None and planted.error.type == "PolicyViolation"
    else:
        assert planted.result == [3, "planted"], planted.error
    after = await run(driver, CHECK)
    assert after.result == [28, False], after.error


async def test_stdlib_classes_and_builtins_refuse_public_stores(driver: Any) -> None:
    for program in (
        "import json\njson.JSONEncoder.encode = lambda self, o: 'forged'",
        "import collections\ncollections.OrderedDict.popitem = None",
        "int.real = 1",
        "print.x = 1",
        "import typing\ntyping.Counter.most_common = 1",  # forwards to collections.Counter
    ):
        result = await run(driver, program + "\nreturn 'stored'")
        assert result.error is not None, (program, result.result)
        assert result.error.type in ("PolicyViolation", "TypeError", "AttributeError")
        if result.error.type == "TypeError":  # the frozen class's own refusal, in a worker
            assert "immutable type" in result.error.message
            assert not isinstance(driver, InProcessDriver)
    after = await run(driver, "import json\nreturn json.dumps({'a': 1})")
    assert after.result == '{"a": 1}'


async def test_private_and_dunder_stores_stay_checked_in_a_worker(driver: Any) -> None:
    for program in (
        "import json\njson.dumps.__kwdefaults__ = {}",
        "import json\njson.dumps._secret = 1",
        "import json\nclass C:\n    def set(self):\n        self._value_ = 1\nC.set(json.dumps)",
        "class A: pass\nimport json\njson.JSONEncoder().__class__ = A",  # then owns its dict
    ):
        result = await run(driver, program + "\nreturn 'stored'")
        assert result.error is not None, (program, result.result)
        assert result.error.type in ("PolicyViolation", "TypeError"), result.error


async def test_a_template_without_frozen_classes_keeps_every_store_checked() -> None:
    """Where the template could not freeze classes, the host compiles every store with
    its check, as in-process."""
    driver = SubprocessDriver()
    driver._accept({"frozen_classes": {"active": False, "reason": "tp_flags not located"}})
    assert driver._native_stores is False
    async with SubprocessDriver() as real:
        frozen = real.isolation["layers"]["frozen_classes"]["active"]
        assert real._native_stores is frozen
