"""Sandbox drivers: where and how a model's program runs.

``driver`` (the protocol and the request), ``result`` (what a run gives back), ``bridge``
(the host end of tool calls) and ``programs`` (the compile cache) are shared by every
driver. ``process/`` is the default driver's host side, ``jail/`` what runs inside its
sandbox process; ``inprocess`` runs the same policy in the host, for trusted code only.
"""

from .bridge import Bridge
from .driver import Driver, ExecutionRequest
from .inprocess import InProcessDriver
from .jail.runtime import RunLimits
from .process.driver import SubprocessDriver
from .programs import ProgramCache
from .result import ExecutionError, ExecutionResult

__all__ = [
    "Bridge",
    "Driver",
    "ExecutionError",
    "ExecutionRequest",
    "ExecutionResult",
    "InProcessDriver",
    "ProgramCache",
    "RunLimits",
    "SubprocessDriver",
]
