"""Operating-system confinement layers, each applied without root and each reported.

Runs inside the template process (namespaces, uid, Landlock) and in every worker
(seccomp, resource limits). A layer the kernel does not offer is recorded as inactive
with the reason; the driver decides whether that is acceptable (``require=...``).
"""

from __future__ import annotations

import ctypes
import errno
import os
import resource
from typing import Any

_libc = ctypes.CDLL(None, use_errno=True)

CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
CLONE_THREAD = 0x00010000
PR_SET_NO_NEW_PRIVS = 38
PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
NOBODY = 65534

# Landlock (see linux/landlock.h); syscall numbers are the same on every architecture.
_SYS_CREATE_RULESET, _SYS_ADD_RULE, _SYS_RESTRICT_SELF = 444, 445, 446
_LL_CREATE_RULESET_VERSION = 1
_LL_RULE_PATH_BENEATH = 1
_FS_EXECUTE, _FS_READ_FILE, _FS_READ_DIR = 1 << 0, 1 << 2, 1 << 3
_FS_ALL_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 5: (1 << 16) - 1}
_NET_ALL = (1 << 0) | (1 << 1)  # bind and connect TCP (ABI >= 4)
_SCOPE_ALL = (1 << 0) | (1 << 1)  # abstract unix sockets and signals (ABI >= 6)


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _syscall(number: int, *args: Any) -> int:
    _libc.syscall.restype = ctypes.c_long
    result = _libc.syscall(number, *args)
    if result < 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return result


def prctl(option: int, arg: int) -> None:
    if _libc.prctl(option, ctypes.c_ulong(arg), 0, 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def landlock_abi() -> int:
    """The kernel's Landlock ABI version, 0 when Landlock is absent or disabled."""
    try:
        return _syscall(_SYS_CREATE_RULESET, None, 0, _LL_CREATE_RULESET_VERSION)
    except OSError:
        return 0


def apply_landlock(read_only_paths: list[str]) -> dict[str, Any]:
    """Allow reading (and mapping code from) ``read_only_paths``; deny every other file
    access, all TCP bind/connect and, on ABI >= 6, signals and abstract sockets that
    leave the sandbox."""
    abi = landlock_abi()
    if abi <= 0:
        return {"active": False, "reason": "landlock not supported by this kernel"}
    fs_all = _FS_ALL_BY_ABI[max(k for k in _FS_ALL_BY_ABI if k <= abi)]
    attr = _RulesetAttr(fs_all, _NET_ALL if abi >= 4 else 0, _SCOPE_ALL if abi >= 6 else 0)
    size = 24 if abi >= 6 else 16 if abi >= 4 else 8
    ruleset = _syscall(_SYS_CREATE_RULESET, ctypes.byref(attr), size, 0)
    allowed = []
    try:
        for path in read_only_paths:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                is_dir = os.path.isdir(path)
                access = _FS_READ_FILE | _FS_EXECUTE | (_FS_READ_DIR if is_dir else 0)
                rule = _PathBeneath(access, fd)
                _syscall(_SYS_ADD_RULE, ruleset, _LL_RULE_PATH_BENEATH, ctypes.byref(rule), 0)
                allowed.append(path)
            finally:
                os.close(fd)
        prctl(PR_SET_NO_NEW_PRIVS, 1)
        _syscall(_SYS_RESTRICT_SELF, ruleset, 0)
    finally:
        os.close(ruleset)
    return {"active": True, "abi": abi, "read_only": allowed, "net": abi >= 4, "scoped": abi >= 6}


def scope_worker() -> dict[str, Any]:
    """Put this worker in a Landlock domain of its own, nested in the template's, that
    is scoped for signals and abstract unix sockets (ABI >= 6).

    Workers share the template's uid and user namespace, so without this an escaped
    program could SIGSTOP the template (every later execution fails) or SIGKILL another
    tenant's worker (F04, F05). A scoped domain may signal only itself and domains
    nested below it: neither its parent nor its siblings."""
    abi = landlock_abi()
    if abi < 6:
        return {"active": False, "reason": f"landlock ABI {abi} has no signal scoping"}
    attr = _RulesetAttr(0, 0, _SCOPE_ALL)
    try:
        ruleset = _syscall(_SYS_CREATE_RULESET, ctypes.byref(attr), 24, 0)
        try:
            prctl(PR_SET_NO_NEW_PRIVS, 1)
            _syscall(_SYS_RESTRICT_SELF, ruleset, 0)
        finally:
            os.close(ruleset)
    except OSError as exc:
        return {"active": False, "reason": exc.strerror}
    return {"active": True, "scoped": ["signal", "abstract_unix_socket"]}


def private_ipc() -> dict[str, Any]:
    """A new IPC namespace for this worker alone: SysV shared memory, semaphores and
    message queues (and POSIX message queues) it makes are invisible to every other
    worker and vanish with it (F06: segments outlived the worker, escaped its memory
    limit and were read by another tenant's later execution). Needs the capabilities
    the template holds in its own user namespace."""
    if _libc.unshare(CLONE_NEWIPC) != 0:
        return {"active": False, "reason": f"unshare failed: {os.strerror(ctypes.get_errno())}"}
    return {"active": True}


def drop_root() -> dict[str, Any]:
    """If we are root, become ``nobody`` so no file permission or signal check trusts us."""
    if os.geteuid() != 0:
        return {"active": True, "uid": os.geteuid(), "note": "not root"}
    try:
        os.setgroups([])
        os.setresgid(NOBODY, NOBODY, NOBODY)
        os.setresuid(NOBODY, NOBODY, NOBODY)
    except OSError as exc:
        return {"active": False, "reason": f"setuid failed: {exc.strerror}"}
    return {"active": True, "uid": NOBODY}


def enter_namespaces() -> dict[str, Any]:
    """New user, network, IPC and UTS namespaces: no network interface but a down
    loopback, no shared SysV IPC, no host identity."""
    flags = CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS
    if _libc.unshare(flags) != 0:
        err = ctypes.get_errno()
        if _libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0:
            return {"active": False, "reason": f"unshare failed: {os.strerror(err)}"}
        return {"active": True, "namespaces": ["user", "net"]}
    return {"active": True, "namespaces": ["user", "net", "ipc", "uts"]}


def memory_baseline() -> int:
    """Bytes of address space the process already uses (read before Landlock)."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def set_limit(which: int, value: int) -> None:
    _soft, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, value))


def apply_worker_limits(*, open_files: int = 64) -> dict[str, Any]:
    """Limits set once per worker at fork: no files written, no core dumps, few fds,
    no child processes."""
    set_limit(resource.RLIMIT_FSIZE, 0)
    set_limit(resource.RLIMIT_CORE, 0)
    set_limit(resource.RLIMIT_NOFILE, open_files)
    set_limit(resource.RLIMIT_NPROC, 0 if os.geteuid() != 0 else 1_000_000)
    return {
        "active": True,
        "fsize": 0,
        "core": 0,
        "nofile": open_files,
        "nproc": 0 if os.geteuid() != 0 else "not enforced for uid 0 (seccomp denies fork)",
    }


def apply_run_limits(*, address_space: int, cpu_seconds: int) -> None:
    """Per-execution limits, soft = hard so the program cannot raise them again."""
    set_limit(resource.RLIMIT_AS, address_space)
    set_limit(resource.RLIMIT_CPU, cpu_seconds)


#: Kernel objects a worker never needs that live outside its address space (so outside
#: RLIMIT_AS) or outside its lifetime: SysV IPC, POSIX message queues, memfd (F06).
_IPC_SYSCALLS = (
    "shmget",
    "shmat",
    "shmdt",
    "shmctl",
    "msgget",
    "msgsnd",
    "msgrcv",
    "msgctl",
    "semget",
    "semop",
    "semtimedop",
    "semctl",
    "mq_open",
    "mq_unlink",
    "mq_timedsend",
    "mq_timedreceive",
    "mq_notify",
    "mq_getsetattr",
    "memfd_create",
    "ipc",
)
#: Calls that act on another process chosen by pid, refused outright: a worker has no
#: business with other processes (F04, F05: signals; likewise priorities and memory).
_OTHER_PROCESS_SYSCALLS = (
    "tkill",
    "pidfd_open",
    "pidfd_send_signal",
    "setpriority",
    "ioprio_set",
    "kcmp",
    "process_madvise",
    "process_mrelease",
)
#: Calls whose first argument is a pid: allowed only on the worker itself (pid 0).
_SELF_ONLY_SYSCALLS = (
    "sched_setscheduler",
    "sched_setparam",
    "sched_setattr",
    "sched_setaffinity",
    "migrate_pages",
    "move_pages",
)


def load_seccomp() -> dict[str, Any]:
    """Deny what a worker never needs: new sockets, exec, new processes (threads stay
    allowed), tracing, namespaces, mounts, kernel keyrings, BPF, io_uring, SysV and
    POSIX IPC, memfd, and every call that acts on another process (signals,
    priorities, scheduling, limits, memory). Loaded in each worker, so "itself" is the
    worker's own pid."""
    try:
        import pyseccomp as sc
    except (ImportError, OSError, RuntimeError) as exc:  # libseccomp missing
        return {"active": False, "reason": f"libseccomp unavailable: {exc}"}
    deny = sc.ERRNO(errno.EPERM)
    f = sc.SyscallFilter(defaction=sc.ALLOW)
    try:  # a binary-tree filter: every syscall the worker makes pays for the lookup
        f.set_attr(sc.Attr.CTL_OPTIMIZE, 2)
    except (AttributeError, ValueError, RuntimeError, OSError):
        pass
    denied = """
        socket socketpair connect bind listen accept accept4 execve execveat fork vfork ptrace
        process_vm_readv process_vm_writev pidfd_getfd unshare setns mount umount2 pivot_root chroot
        bpf perf_event_open userfaultfd keyctl add_key request_key io_uring_setup io_uring_enter
        io_uring_register init_module finit_module delete_module kexec_load reboot swapon swapoff
        iopl ioperm personality mknod mknodat open_by_handle_at name_to_handle_at fanotify_init
        quotactl acct settimeofday clock_settime adjtimex
    """.split()
    denied += [*_IPC_SYSCALLS, *_OTHER_PROCESS_SYSCALLS]
    for name in denied:
        try:
            f.add_rule(deny, name)
        except (ValueError, RuntimeError, OSError):
            pass  # unknown on this architecture
    me = os.getpid()
    for name in ("kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo"):
        # signals only to this process: kill(0) and kill(-1) would reach the template
        f.add_rule(deny, name, sc.Arg(0, sc.NE, me))
    for name in _SELF_ONLY_SYSCALLS:
        _add_optional_rule(f, deny, name, sc.Arg(0, sc.NE, 0))
    # clone: only threads (CLONE_THREAD set); clone3 hides its flags, so refuse it and
    # let the C library fall back to clone.
    f.add_rule(deny, "clone", sc.Arg(0, sc.MASKED_EQ, CLONE_THREAD, 0))
    f.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
    f.add_rule(deny, "prlimit64", sc.Arg(0, sc.NE, 0))
    f.load()
    return {
        "active": True,
        "denied": [
            *denied,
            "clone (non-thread)",
            "clone3",
            "prlimit64 (other pid)",
            "kill/tgkill/rt_sigqueueinfo/rt_tgsigqueueinfo (other pid)",
            *(f"{name} (other pid)" for name in _SELF_ONLY_SYSCALLS),
        ],
    }


def _add_optional_rule(f: Any, action: Any, name: str, *args: Any) -> None:
    try:
        f.add_rule(action, name, *args)
    except (ValueError, RuntimeError, OSError):
        pass  # unknown on this architecture
