"""One busy process for scripts/stress-suite.sh: burn CPU until the script is gone.

The script kills its load on every exit it can see (trap), but a script killed with
SIGKILL runs no trap. So each load process also watches its parent and exits as soon as
it has been re-parented: no load outlives the run that started it, whatever ends it.
"""

from __future__ import annotations

import os
import signal

CHECK_EVERY = 200_000  # loop turns between parent checks: a few ms of pure CPU


def main() -> None:
    """Spin at full speed until the parent process changes (it exited or was killed)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C is for the tests; the script ends us
    parent = os.getppid()
    while os.getppid() == parent:
        for _ in range(CHECK_EVERY):
            pass


if __name__ == "__main__":
    main()
