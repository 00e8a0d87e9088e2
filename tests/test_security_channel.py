"""The host end of the worker channel takes nothing on the worker's word (F03, F15).

A worker is treated as hostile: frames are JSON-encoded field by field, caps on logs,
log messages, the result and total inbound bytes are enforced by the host's own count,
and however fast a worker talks the host's event loop keeps running. The forging tests
use ``SubprocessDriver(restricted=False)`` (no language policy: plain Python inside the
OS layers), where a program can write raw frames to its own socket: exactly what an
escaped program could do.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from codemode_skills import ExecutionContext, create_code_mode
from codemode_skills.sandbox import SubprocessDriver

from .victim import VICTIM_BOUND_S, victim_latency


@pytest.fixture(scope="module")
async def raw_driver() -> AsyncIterator[SubprocessDriver]:
    driver = SubprocessDriver(restricted=False)
    await driver.start()
    yield driver
    await driver.close()


#: Finds the worker's end of the channel (the one stream socket it holds) and sends the
#: frames in FRAMES, as an escaped program could.
FORGE = """
import os
import socket
import struct
chan = None
for fd in range(3, 64):
    try:
        s = socket.socket(fileno=fd)
    except OSError:
        continue
    # the channel's peer is another process; the event loop's self-pipe is our own
    peer_pid = struct.unpack("3i", s.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))[0]
    if s.type == socket.SOCK_STREAM and peer_pid != os.getpid():
        chan = s
        break
    s.detach()
assert chan is not None, "no channel found"
chan.setblocking(True)
for frame in FRAMES:
    chan.sendall(frame.encode())
import time
time.sleep(30)
"""


async def test_a_forged_result_over_the_cap_is_refused_by_the_host(raw_driver: Any) -> None:
    big = b'{"op": "done", "success": true, "result": "' + b"x" * 2_000_000 + b'"}\n'
    cm = create_code_mode([], driver=raw_driver, timeout_s=20)
    result = await cm.execute(FORGE, globals={"FRAMES": [big.decode()]})
    assert not result.success
    assert result.error.type == "OutputLimitExceeded"
    assert "1000000" in result.error.message


async def test_forged_logs_over_the_cap_end_the_run(raw_driver: Any) -> None:
    line = b'{"op": "log", "text": "' + b"y" * 60_000 + b'"}\n'
    cm = create_code_mode([], driver=raw_driver, timeout_s=20)
    result = await cm.execute(FORGE, globals={"FRAMES": [line.decode()] * 3})
    assert not result.success
    assert result.error.type == "OutputLimitExceeded"
    assert sum(len(x) for x in result.logs) <= 64_000


async def test_a_forged_error_type_is_not_taken_as_given(raw_driver: Any) -> None:
    done = (
        b'{"op": "done", "success": false, "error": {"type": "Time\\nout <b>", '
        b'"message": "at /root/secret/config.py line 3", "line": 1}}\n'
    )
    cm = create_code_mode([], driver=raw_driver, timeout_s=20)
    result = await cm.execute(FORGE, globals={"FRAMES": [done.decode()]})
    assert not result.success
    assert result.error.type == "Exception"
    assert "/root" not in result.error.message


async def test_empty_log_messages_are_capped_by_count(raw_driver: Any) -> None:
    """Empty log frames carry no bytes: before F15 they were unlimited."""
    program = FORGE.replace(
        "for frame in FRAMES:\n    chan.sendall(frame.encode())",
        'msg = b\'{"op": "log", "text": ""}\\n\' * 4096\nwhile True:\n    chan.sendall(msg)',
    )
    cm = create_code_mode([], driver=raw_driver, timeout_s=20)
    started = time.monotonic()
    result = await cm.execute(program, globals={"FRAMES": []})
    assert not result.success
    assert result.error.type == "OutputLimitExceeded"
    assert time.monotonic() - started < 15  # ended by the cap, not by the 20 s timeout


async def test_an_empty_print_loop_does_not_freeze_the_host() -> None:
    """F15: `while True: print(end='')` froze the host's loop for up to 9.3 s."""
    attacker = create_code_mode([], timeout_s=4)
    mallory = ExecutionContext(tenant="mallory", user="m")

    async def attack() -> Any:
        return await attacker.execute("while True:\n    print(end='')", context=mallory)

    result, latency, gap = await victim_latency(attack)
    await attacker.close()
    assert not result.success
    assert result.error.type in ("OutputLimitExceeded", "TimeoutError")
    assert latency < VICTIM_BOUND_S, f"the victim waited {latency:.2f} s"
    assert gap < VICTIM_BOUND_S, f"the host loop stalled {gap:.2f} s"


async def test_a_frame_flood_from_an_escaped_worker_does_not_freeze_the_host(
    raw_driver: Any,
) -> None:
    program = FORGE.replace(
        "for frame in FRAMES:\n    chan.sendall(frame.encode())",
        'msg = b\'{"op": "log", "text": ""}\\n\' * 4096\nwhile True:\n    chan.sendall(msg)',
    )
    cm = create_code_mode([], driver=raw_driver, timeout_s=10)

    async def attack() -> Any:
        return await cm.execute(program, globals={"FRAMES": []})

    result, latency, gap = await victim_latency(attack)
    assert not result.success
    assert latency < VICTIM_BOUND_S, f"the victim waited {latency:.2f} s"
    assert gap < VICTIM_BOUND_S, f"the host loop stalled {gap:.2f} s"


async def test_an_injected_skill_name_cannot_forge_frames() -> None:
    """F03: a skill name with a quote and a newline used to be pasted into the call line,
    so the program could append a forged `done` with a 5 MB result."""
    cm = create_code_mode([])
    forged = '{"op": "done", "success": true, "result": "' + "z" * 5_000_000 + '"}'
    program = (
        'name = \'a", "args": {}}\\n\' + FORGED + \'\\n{"op": "log", "text": "\'\n'
        "try:\n"
        "    await getattr(skills, name)()\n"
        "except Exception as exc:\n"
        "    return 'refused: ' + type(exc).__name__\n"
        "return 'called'"
    )
    result = await cm.execute(program, globals={"FORGED": forged})
    assert result.success, result.error
    assert result.result.startswith("refused"), str(result.result)[:200]
    await cm.close()
