"""Nothing a program or a model controls runs unbounded on the host's event loop (issue
item 3), tested the way it fails: while one tenant runs each attack of the second review,
another tenant's `return 1` keeps completing and the host loop never stalls past the
stated bound (``VICTIM_BOUND_S``). The log flood (F15) is in test_security_channel.py,
the worker pool (F13) and slow fetches (F14) in test_security_fairness.py, remote and
silent `$ref`s (F20, F21) in test_security_schemas.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from codemode_skills import ExecutionContext, create_code_mode
from codemode_skills.errors import SkillValidationError
from codemode_skills.skills import SkillManager
from codemode_skills.storage import MemorySkillStorage

from .victim import VICTIM_BOUND_S, victim_latency

MALLORY = ExecutionContext(tenant="mallory", user="m")


def _nested_attributes(width: int, depth: int, salt: int) -> str:
    """F09's shape: a chain of guarded attributes over a wide subtree. The quadratic
    compile cost was depth x width; ``salt`` defeats the program cache."""
    return f"x = {salt}\nreturn ([{','.join(['1'] * width)}])" + "._a" * depth


async def _compile_blowup() -> list[Any]:
    """20 programs of ~1.9 KB (compiled on the loop: ~0.24 s each before the fix) and 4
    of ~14 KB (on a thread: ~1.7 s each)."""
    cm = create_code_mode([], timeout_s=10)
    try:
        small = [_nested_attributes(650, 200, i) for i in range(20)]
        large = [_nested_attributes(6500, 240, 100 + i) for i in range(4)]
        runs = (cm.execute(program, context=MALLORY) for program in small + large)
        return list(await asyncio.gather(*runs))  # at once, as the finding sent them
    finally:
        await cm.close()


DEEP = [
    "_x = 1\nreturn a" + ".b" * 600,  # 600 nested attributes
    "return " + "lambda:" * 2200 + "1",  # 2,200 nested lambdas
    "return " + "(" * 5000 + "1" + ")" * 5000,
    "return " + "[" * 3000 + "]" * 3000,
]


async def _deep_nesting() -> list[Any]:
    """F10: each gives a failed result, never an exception out of `execute`."""
    cm = create_code_mode([], timeout_s=10)
    try:
        return [await cm.execute(program, context=MALLORY) for program in DEEP]
    finally:
        await cm.close()


async def _register(**spec: Any) -> str:
    cm = create_code_mode([], timeout_s=10)
    manager = SkillManager(MemorySkillStorage(tenant="mallory"), code_mode=cm, identity=MALLORY)
    test_input = spec.pop("test_input", None)
    base = {"description": "x", "input_schema": {"type": "object"}, "output_schema": {}}
    try:
        await manager.register({"name": "attack", **base, **spec}, test_input=test_input)
        return "registered"
    except SkillValidationError as exc:
        return f"refused: {exc}"
    finally:
        await cm.close()


async def _register_huge() -> list[str]:
    """F09 at registration: a 98 KB skill stalled the loop 11.4 s."""
    return [await _register(code=_nested_attributes(30_000, 240, 7))]


async def _register_deep() -> list[str]:
    """F10 at registration: RecursionError out of `register`."""
    return [await _register(code=program) for program in DEEP]


async def _register_redos() -> list[str]:
    """F22: `pattern` matched on the loop, 4 s at n=27 and doubling per character."""
    schema = {"type": "object", "properties": {"a": {"type": "string", "pattern": "^(a+)+$"}}}
    return [await _register(code="return 1", input_schema=schema, test_input={"a": "a" * 34 + "b"})]


ATTACKS: dict[str, Callable[[], Awaitable[list[Any]]]] = {
    "F09 compile blowup": _compile_blowup,
    "F10 deep nesting": _deep_nesting,
    "F09 98 KB registration": _register_huge,
    "F10 deep registration": _register_deep,
    "F22 ReDoS registration": _register_redos,
}


@pytest.mark.parametrize("name", list(ATTACKS))
async def test_another_tenant_is_served_promptly_during_the_attack(name: str) -> None:
    outcomes, latency, gap = await victim_latency(ATTACKS[name])
    assert latency < VICTIM_BOUND_S, f"{name}: the victim waited {latency:.2f} s"
    assert gap < VICTIM_BOUND_S, f"{name}: the host loop stalled {gap:.2f} s"
    for outcome in outcomes:
        if isinstance(outcome, str):  # a registration: refused with a typed error
            assert outcome.startswith("refused"), outcome
        else:  # an execution: a failed result, never an exception
            assert not outcome.success
            assert outcome.error is not None and "Recursion" not in outcome.error.type
