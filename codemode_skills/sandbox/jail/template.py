"""The template process: imports everything once, locks itself down, forks workers.

Started by the host as ``python -I -c protocol.BOOT`` with an empty environment. It
imports the policy and every allowed module, enters its namespaces, drops root, applies
Landlock, then waits on its control socket. Each spawn request
(``protocol.spawn_request``) forks a pristine single-use worker and hands the host the
worker's socket and a pidfd (SCM_RIGHTS). Exits of workers are reported so the host can
tell a CPU-limit kill from a crash.
"""

from __future__ import annotations

import array
import gc
import json
import os
import select
import signal
import socket
import sys
import sysconfig
from typing import Any

from . import os_layers, protocol
from .policy.modules import ModuleRegistry, harden_stdlib
from .worker import warm_up_program, worker_main

#: Imported in OS-only mode (``restricted=False``), where programs may import freely but
#: can read no module files once Landlock is on.
_UNRESTRICTED_PRELOAD = (
    "subprocess",
    "socket",
    "ctypes",
    "threading",
    "signal",
    "stat",
    "resource",
    "shutil",
    "tempfile",
    "urllib.request",
    "http.client",
)


def _preload(registry: ModuleRegistry, unrestricted: bool = False) -> int:
    """Import and harden what every worker shares; returns how many classes were frozen."""
    import _strptime  # noqa: F401 - datetime.strptime imports it lazily
    import encodings
    import pkgutil
    import time

    registry.preload()
    frozen = harden_stdlib(freeze=not unrestricted)
    if unrestricted:
        import importlib

        for name in _UNRESTRICTED_PRELOAD:
            importlib.import_module(name)
    for info in pkgutil.iter_modules(encodings.__path__):
        try:
            __import__(f"encodings.{info.name}")
        except Exception:
            pass
    time.localtime()  # read /etc/localtime now, before Landlock
    try:
        import pyseccomp  # noqa: F401 - load libseccomp before Landlock
    except (ImportError, OSError, RuntimeError):
        pass
    return frozen


def _read_paths() -> list[str]:
    paths = {sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    paths |= {protocol.PACKAGE_ROOT}
    paths |= {"/usr/share/zoneinfo", "/etc/localtime", "/usr/lib", "/lib", "/lib64"}
    return sorted(p for p in paths if os.path.exists(p))


def _probe_seccomp() -> dict[str, Any]:
    """Load the filter in a throwaway child and check that it really refuses a socket."""
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            if os_layers.load_seccomp().get("active"):
                try:
                    socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                    status = 2
                except PermissionError:
                    status = 0
        finally:
            os._exit(status)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code == 0:
        return {"active": True}
    return {"active": False, "reason": "libseccomp unavailable" if code == 1 else "not enforced"}


def _probe_worker_domain() -> dict[str, Any]:
    """Apply a worker's own confinement in a throwaway child and check it holds: the
    child must not be able to signal this process (its parent) nor see SysV segments
    made outside its IPC namespace."""
    outside = -1
    try:
        outside = _shm_probe_segment()
    except OSError:
        pass
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            ipc, scope = os_layers.private_ipc(), os_layers.scope_worker()
            if ipc["active"] and scope["active"]:
                status = 0
                try:
                    os.kill(os.getppid(), 0)  # existence check: still a signal permission
                    status = 2
                except PermissionError:
                    pass
                if outside >= 0 and _shm_visible(outside):
                    status = 3
        finally:
            os._exit(status)
    _, status = os.waitpid(pid, 0)
    if outside >= 0:
        _shm_remove(outside)
    code = os.waitstatus_to_exitcode(status)
    if code == 0:
        return {"active": True, "ipc_namespace": True, "signal_scope": True}
    reasons = {
        1: "needs Landlock ABI >= 6 and an IPC namespace of its own",
        2: "signal scoping not enforced",
        3: "IPC namespace not private",
    }
    return {"active": False, "reason": reasons.get(code, f"probe exited {code}")}


_IPC_PRIVATE, _IPC_CREAT, _IPC_RMID = 0, 0o1000, 0


def _shm_probe_segment() -> int:
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    segment = libc.shmget(_IPC_PRIVATE, 4096, _IPC_CREAT | 0o600)  # one page is enough
    if segment < 0:
        raise OSError(ctypes.get_errno(), "shmget")
    return int(segment)


def _shm_visible(segment: int) -> bool:
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    buf = ctypes.create_string_buffer(256)  # struct shmid_ds is smaller
    return bool(libc.shmctl(segment, 2, buf) == 0)  # IPC_STAT


def _shm_remove(segment: int) -> None:
    import ctypes

    ctypes.CDLL(None).shmctl(segment, _IPC_RMID, None)


def _probe_network() -> dict[str, Any]:
    interfaces = [name for _, name in socket.if_nameindex()]
    return {"interfaces": interfaces, "isolated": interfaces in ([], ["lo"])}


def main(config_text: str) -> None:
    config = json.loads(config_text)
    layers = config.get("layers", {})
    ctrl = socket.socket(fileno=int(config["ctrl_fd"]))
    os_layers.prctl(os_layers.PR_SET_PDEATHSIG, signal.SIGKILL)
    registry = ModuleRegistry()
    frozen = _preload(registry, unrestricted=not config.get("restricted", True))
    memory_base = os_layers.memory_baseline()
    devnull = os.open(os.devnull, os.O_RDWR)
    report: dict[str, Any] = {"python": sys.version.split()[0]}
    # stdlib and sandbox classes immutable in every worker (what lets the host compile
    # public attribute stores natively for them: transformer.compile_program(isolated))
    report["frozen_classes"] = (
        {"active": True, "count": frozen}
        if frozen
        else {"active": False, "reason": "tp_flags not located, or restricted=False"}
    )
    if layers.get("uid", True):
        report["uid"] = os_layers.drop_root()
        os_layers.prctl(os_layers.PR_SET_PDEATHSIG, signal.SIGKILL)  # reset by setuid
    if layers.get("namespaces", True):
        report["namespaces"] = os_layers.enter_namespaces()
        report["network"] = _probe_network()
    if layers.get("landlock", True):
        try:
            report["landlock"] = os_layers.apply_landlock(_read_paths())
        except OSError as exc:
            report["landlock"] = {"active": False, "reason": exc.strerror}
    own_domain = False
    if layers.get("landlock", True) and layers.get("namespaces", True):
        report["worker_domain"] = _probe_worker_domain()
        own_domain = report["worker_domain"]["active"]
    seccomp = bool(layers.get("seccomp", True))
    if seccomp:
        report["seccomp"] = _probe_seccomp()
        seccomp = report["seccomp"]["active"]
    report["rlimits"] = {
        "active": True,
        "worker": ["AS", "CPU", "FSIZE", "NOFILE", "NPROC", "CORE"],
    }
    try:  # forking in the background must never preempt the host's event loop
        os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))
    except (AttributeError, OSError):
        pass
    warm_up_program()  # compiled once, shared by every worker
    gc.collect()
    gc.freeze()  # keep the heap shared copy-on-write with the workers
    ctrl.sendall(protocol.ready_message(report))
    _serve(ctrl, registry, memory_base, devnull, seccomp, own_domain)


def _serve(
    ctrl: socket.socket,
    registry: ModuleRegistry,
    memory_base: int,
    devnull: int,
    seccomp: bool,
    own_domain: bool,
) -> None:
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    while True:
        readable, _, _ = select.select([ctrl, wake_r], [], [])
        if wake_r in readable:
            os.read(wake_r, 4096)  # one byte per signal: drain whatever piled up
            _reap(ctrl)
        if ctrl in readable:
            data = ctrl.recv(protocol.CONTROL_MESSAGE_BYTES)
            if not data:  # the host is gone
                os._exit(0)
            for limits in protocol.parse_spawn_requests(data):
                _spawn(ctrl, registry, memory_base, devnull, seccomp, limits, own_domain)


def _spawn(
    ctrl: socket.socket,
    registry: ModuleRegistry,
    memory_base: int,
    devnull: int,
    seccomp: bool,
    limits: protocol.WorkerLimits,
    own_domain: bool,
) -> None:
    host_end, worker_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    pid = os.fork()
    if pid == 0:
        ctrl.close()
        host_end.close()
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        worker_main(worker_end, devnull, registry, memory_base, seccomp, limits, own_domain)
    worker_end.close()
    pidfd = os.pidfd_open(pid)
    try:
        fds = array.array("i", [host_end.fileno(), pidfd])
        message = protocol.worker_message(pid, limits)
        ctrl.sendmsg([message], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds)])
    finally:
        host_end.close()
        os.close(pidfd)


def _reap(ctrl: socket.socket) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
        code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
        ctrl.sendall(protocol.exit_message(pid, sig, code))
