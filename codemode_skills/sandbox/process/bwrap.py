"""The optional bubblewrap wrapper around the template process."""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig

from ...errors import IsolationUnavailable
from ..jail.protocol import PACKAGE_ROOT


def bwrap_prefix(bwrap: bool | str) -> list[str]:
    """The bubblewrap command line that wraps the template.

    Only what the template needs is mounted, read-only: ``/usr`` (system libraries), the
    Python installation and this package. No ``/etc`` (beyond the time zone and the
    loader cache), no ``/home``, no host ``/tmp``; a PID namespace of its own.
    """
    binary = bwrap if isinstance(bwrap, str) else shutil.which("bwrap")
    if not binary or not os.path.exists(binary):
        raise IsolationUnavailable("bubblewrap mode was requested but `bwrap` is not installed")
    args = [binary, "--unshare-all", "--die-with-parent", "--new-session", "--clearenv"]
    args += ["--cap-drop", "ALL", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
    args += ["--ro-bind", "/usr", "/usr", "--chdir", "/"]
    for top in ("/lib", "/lib64", "/bin", "/sbin"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    roots = {sys.prefix, sys.base_prefix, os.path.dirname(PACKAGE_ROOT)}  # holds the package
    roots |= {sysconfig.get_paths()[k] for k in ("purelib", "platlib")}
    for root in sorted(roots):
        if not root.startswith("/usr/") and os.path.isdir(root):
            args += ["--ro-bind", root, root]
    for path in ("/etc/localtime", "/etc/ld.so.cache"):  # time zone; libseccomp lookup
        args += ["--ro-bind-try", path, path]
    return [*args, "--"]
