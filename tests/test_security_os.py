"""The operating-system boundary, attacked with the language policy switched off.

``SubprocessDriver(restricted=False)`` runs plain Python inside the OS layers, so these
programs reach ``os``, ``socket`` and ``subprocess`` directly: what stops them is the
kernel. Each test asserts the layer that is present on this machine (probed
independently of the driver) and, where a layer is absent, that the driver reports it.
"""

from __future__ import annotations

import ctypes
import os
import socket
import threading
from collections.abc import AsyncIterator
from typing import Any

import pytest

from codemode_skills import SubprocessDriver
from codemode_skills.sandbox.jail import os_layers

from .conftest import require_external, run


def _kernel_offers_userns() -> bool:
    pid = os.fork()
    if pid == 0:
        libc = ctypes.CDLL(None, use_errno=True)
        os._exit(0 if libc.unshare(os_layers.CLONE_NEWUSER | os_layers.CLONE_NEWNET) == 0 else 1)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0


def _kernel_offers_seccomp() -> bool:
    try:
        import pyseccomp  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


KERNEL = {
    "namespaces": _kernel_offers_userns(),
    "landlock": os_layers.landlock_abi() > 0,
    "seccomp": _kernel_offers_seccomp(),
}


@pytest.fixture(scope="module")
async def raw() -> AsyncIterator[SubprocessDriver]:
    """All layers, no language policy."""
    os.environ["CODEMODE_TEST_SECRET"] = "hunter2"  # must never reach a worker
    driver = SubprocessDriver(restricted=False)
    await driver.start()
    yield driver
    await driver.close()


async def _only(layer: str) -> SubprocessDriver:
    layers = {name: name == layer for name in ("uid", "namespaces", "landlock", "seccomp")}
    driver = SubprocessDriver(restricted=False, layers=layers)
    await driver.start()
    return driver


def test_isolation_report_matches_the_kernel(raw: SubprocessDriver) -> None:
    report = raw.isolation
    for layer, offered in KERNEL.items():
        if offered:
            assert layer in report["active"], report
        else:
            assert layer in report["inactive"] and report["inactive"][layer], report
    assert "rlimits" in report["active"]
    if KERNEL["namespaces"]:
        assert "network" in report["active"]
        assert report["layers"]["network"]["interfaces"] in ([], ["lo"])


async def test_required_layers_refuse_to_start_when_missing() -> None:
    driver = SubprocessDriver(layers={"landlock": False}, require=["landlock"])
    with pytest.raises(Exception, match="landlock"):
        await driver.start()
    await driver.close()


async def test_no_host_environment(raw: SubprocessDriver) -> None:
    result = await run(raw, "import os\nreturn dict(os.environ)")
    # started with an empty environment; CPython itself may add LC_CTYPE (PEP 538)
    assert result.success and set(result.result) <= {"LC_CTYPE"}, result.result
    result = await run(raw, "return open('/proc/self/environ', 'rb').read().decode()")
    assert not result.success or "hunter2" not in str(result.result)
    host = await run(raw, f"return open('/proc/{os.getpid()}/environ', 'rb').read().decode()")
    assert not host.success
    assert "hunter2" not in host.model_dump_json()


async def test_network_is_unreachable(raw: SubprocessDriver) -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(3)
    accepted: list[Any] = []
    threading.Thread(target=lambda: _accept(server, accepted), daemon=True).start()
    port = server.getsockname()[1]
    code = (
        "import socket\n"
        f"s = socket.create_connection(('127.0.0.1', {port}), timeout=2)\n"
        "return 'connected'"
    )
    result = await run(raw, code)
    assert not result.success and result.error is not None
    assert result.error.type in ("PermissionError", "OSError", "ConnectionRefusedError")
    if KERNEL["namespaces"]:
        only_ns = await _only("namespaces")
        try:
            ns_result = await run(only_ns, code)
        finally:
            await only_ns.close()
        assert not ns_result.success  # no seccomp here: the empty network namespace stops it
    server.close()
    assert accepted == []


def _accept(server: socket.socket, accepted: list[Any]) -> None:
    try:
        accepted.append(server.accept())
    except OSError:
        pass


async def _all_refused(
    driver: SubprocessDriver, codes: tuple[str, ...], types: tuple[str, ...] | None = None
) -> None:
    for code in codes:
        result = await run(driver, code)
        assert not result.success, code
        assert result.error is not None
        assert types is None or result.error.type in types, (code, result.error)
    assert (await run(driver, "return 'healthy'")).result == "healthy"


async def test_no_process_creation(raw: SubprocessDriver) -> None:
    await _all_refused(
        raw,
        (
            "import os\nreturn os.fork()",
            "import subprocess\nreturn subprocess.run(['id'], capture_output=True).stdout.decode()",
            "import os\nos.execv('/bin/sh', ['sh', '-c', 'id'])",
            "import os\nos.setsid()\nreturn os.fork()",
        ),
        ("PermissionError", "OSError"),
    )


async def test_fork_bomb_is_contained(raw: SubprocessDriver) -> None:
    code = (
        "import os\nn = 0\nwhile n < 10000:\n    try:\n        os.fork()\n"
        "    except OSError:\n        n += 1\nreturn n"
    )
    result = await run(raw, code, timeout_s=20)
    assert result.success and result.result == 10000  # every fork was refused
    assert (await run(raw, "return 1")).result == 1


async def test_files_are_out_of_reach(raw: SubprocessDriver) -> None:
    await _all_refused(
        raw,
        (
            "return open('/etc/passwd').read()",
            "return open('/etc/shadow').read()",
            "return open('/tmp/codemode-escape', 'w').write('x')",
            "import os\nreturn os.listdir('/')",
        ),
    )
    assert not os.path.exists("/tmp/codemode-escape")  # noqa: ASYNC240 - a one-off check
    if KERNEL["landlock"]:
        only = await _only("landlock")
        try:
            result = await run(only, "return open('/etc/hostname').read()")
        finally:
            await only.close()
        assert not result.success and result.error is not None
        assert result.error.type == "PermissionError"


async def test_cannot_signal_the_host(raw: SubprocessDriver) -> None:
    result = await run(raw, f"import os\nos.kill({os.getpid()}, 0)\nreturn 'reached'")
    assert not result.success
    assert result.error is not None and result.error.type in ("PermissionError", "OSError")


async def test_forged_messages_are_rejected(raw: SubprocessDriver) -> None:
    # write garbage straight onto every socket the worker holds (its host channel included)
    code = (
        "import os, stat\n"
        "for fd in range(3, 64):\n"
        "    try:\n"
        "        if stat.S_ISSOCK(os.fstat(fd).st_mode):\n"
        '            os.write(fd, b\'{"op": "done", "success": tru\\n\')\n'
        "    except OSError:\n"
        "        pass\n"
        "import time\ntime.sleep(1)\nreturn 'not reached'"
    )
    result = await run(raw, code)
    assert not result.success
    assert result.error is not None and result.error.type == "SandboxError"
    assert (await run(raw, "return 2")).result == 2


async def test_oversized_message_is_rejected(raw: SubprocessDriver) -> None:
    code = (
        "import os, stat\n"
        'big = b\'{"op": "log", "text": "\' + b\'x\' * 50_000_000 + b\'"}\\n\'\n'
        "for fd in range(3, 64):\n"
        "    try:\n"
        "        if stat.S_ISSOCK(os.fstat(fd).st_mode):\n"
        "            os.write(fd, big)\n"
        "    except OSError:\n"
        "        pass\n"
        "return 'not reached'"
    )
    result = await run(raw, code, memory_mb=512)
    assert not result.success
    assert result.error is not None
    assert result.error.type in ("OutputLimitExceeded", "SandboxError", "MemoryLimitExceeded")
    assert (await run(raw, "return 3")).result == 3


async def test_bubblewrap_mode() -> None:
    import shutil

    from codemode_skills import IsolationUnavailable

    if shutil.which("bwrap") is None:
        with pytest.raises(IsolationUnavailable, match="bwrap"):
            await SubprocessDriver(bwrap=True).start()
        # the refusal holds; the mode itself still needs running where bwrap exists
        require_external("bubblewrap", False, "`apt-get install bubblewrap`")
    driver = SubprocessDriver(bwrap=True, restricted=False)
    await driver.start()
    try:
        assert "bwrap" in driver.isolation["active"]
        probe = (
            "import os\nreturn [os.path.exists(p) for p in ('/etc/passwd', '/home', '/usr/lib')]"
        )
        visible = await run(driver, probe)
        pid = await run(driver, "import os\nreturn os.getpid()")
        passwd = await run(driver, "return open('/etc/passwd').read()")
    finally:
        await driver.close()
    # the mount namespace shows only what the template needs (stat is not a Landlock right)
    assert os.path.exists("/etc/passwd")  # noqa: ASYNC240 - the host has it
    assert visible.success and visible.result == [False, False, True], visible
    assert pid.success and pid.result < 100  # its own PID namespace
    assert not passwd.success
    restricted = SubprocessDriver(bwrap=True)
    await restricted.start()
    try:
        assert (await run(restricted, "return sum(range(10))")).result == 45
    finally:
        await restricted.close()
