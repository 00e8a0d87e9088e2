"""Attribute names that are ``str`` subclasses (held-out review, N1), and frames nested
past the JSON decoder's limit (N3).

Every guard checks a name and then uses it natively. The checks used to run only for
``type(name) is str``, so ``getattr(random.seed, S('__globals__'))`` with ``class
S(str)`` (or an ``enum.StrEnum`` member) reached the real ``os``; and a subclass can also
lie about its ``__hash__``/``__eq__`` to the dict lookups behind a native ``getattr``.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from codemode_skills import create_code_mode
from codemode_skills.sandbox import SubprocessDriver

from .conftest import run

SUBCLASS = "class S(str):\n    pass\n"
LIAR = (
    "class Liar(str):\n"
    "    def __hash__(self):\n"
    "        return hash('__globals__')\n"
    "    def __eq__(self, other):\n"
    "        return other == '__globals__' or str.__eq__(self, other)\n"
)

ATTACKS = {
    "getattr": SUBCLASS + "import random\nreturn getattr(random.seed, S('__globals__'))['_os']",
    "strenum": "import enum, random\nE = enum.StrEnum('E', {'g': '__globals__'})\n"
    "return getattr(random.seed, E.g)['_os']",
    "getattribute": SUBCLASS + "import random\n"
    "return random.seed.__getattribute__(S('__globals__'))['_os']",
    "object_getattribute": SUBCLASS + "import random\n"
    "return object.__getattribute__(random.seed, S('__code__'))",
    "get_loop": SUBCLASS + "import asyncio\n"
    "return getattr(asyncio.current_task(), S('get_loop'))()",
    "private": SUBCLASS + "import asyncio\nreturn getattr(asyncio.Lock(), S('_get_loop'))()",
    "liar_hash": LIAR + "import random\nreturn getattr(random.seed, Liar('x'))['_os']",
    "setattr_stdlib_class": SUBCLASS + "import json\n"
    "setattr(json.JSONEncoder, S('key_separator'), 'X')\nreturn json.dumps({'a': 1})",
    "object_setattr": SUBCLASS + "import json\n"
    "object.__setattr__(json.JSONEncoder, S('item_separator'), 'X')\nreturn 1",
    "delattr": SUBCLASS + "import json\ndelattr(json.JSONEncoder, S('default'))\nreturn 1",
    "match_args": SUBCLASS + "import random\n"
    "class P:\n    __match_args__ = (S('_private'),)\n    _private = 1\n"
    "match P():\n    case P(x):\n        return x\nreturn None",
}


@pytest.mark.parametrize("name", list(ATTACKS))
async def test_str_subclass_names_are_checked_like_names(driver: Any, name: str) -> None:
    result = await run(driver, ATTACKS[name])
    assert not result.success, f"{name}: {result.result!r}"
    assert result.error.type in ("PolicyViolation", "AttributeError", "TypeError"), result.error
    assert (await run(driver, "return 6 * 7")).result == 42  # the driver still answers


async def test_hasattr_with_a_str_subclass_answers_false(driver: Any) -> None:
    program = SUBCLASS + "import random\nreturn hasattr(random.seed, S('__globals__'))"
    result = await run(driver, program)
    assert result.success, result.error
    assert result.result is False  # it was True: the guard was skipped


async def test_ordinary_str_subclass_names_still_work(driver: Any) -> None:
    program = (
        SUBCLASS + "class C:\n    pass\nc = C()\n"
        "setattr(c, S('size'), 3)\n"
        "return [getattr(c, S('size')), hasattr(c, S('size')), getattr(c, S('nope'), 0)]"
    )
    result = await run(driver, program)
    assert result.success, result.error
    assert result.result == [3, True, 0]


async def test_a_frame_nested_past_the_decoder_ends_the_run_at_once() -> None:
    """N3: the decoder's RecursionError escaped into the loop callback and the run hung
    until its timeout."""
    driver = SubprocessDriver(restricted=False)
    program = (
        "import os, socket, struct, time\n"
        "for fd in range(3, 64):\n"
        "    try:\n"
        "        s = socket.socket(fileno=fd)\n"
        "    except OSError:\n"
        "        continue\n"
        "    cred = s.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)\n"
        "    if s.type == socket.SOCK_STREAM and struct.unpack('3i', cred)[0] != os.getpid():\n"
        "        break\n"
        "    s.detach()\n"
        "s.setblocking(True)\n"
        's.sendall(b\'{"op": "log", "text": "x", "z": \' + b\'[\' * 200000 + b\']\' * 200000'
        " + b'}\\n')\n"
        "time.sleep(3)\n"
        "return 1"
    )
    cm = create_code_mode([], driver=driver, timeout_s=30)
    try:
        started = time.monotonic()
        result = await cm.execute(program)
        took = time.monotonic() - started
        assert not result.success
        assert result.error.type == "SandboxError", result.error
        assert took < 20, f"the run ended only after {took:.1f} s (its timeout is 30 s)"
        assert (await cm.execute("return 5")).result == 5
    finally:
        await cm.close()
