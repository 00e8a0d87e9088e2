"""Sandbox drivers: where and how a model's program runs."""

from .bridge import Bridge, BridgeError
from .driver import Driver, ExecutionRequest
from .inprocess import InProcessDriver
from .programs import ProgramCache
from .result import ERROR_TYPES, ExecutionError, ExecutionResult
from .runtime import RunLimits
from .subprocess_driver import SubprocessDriver

__all__ = [
    "ERROR_TYPES",
    "Bridge",
    "BridgeError",
    "Driver",
    "ExecutionError",
    "ExecutionRequest",
    "ExecutionResult",
    "InProcessDriver",
    "ProgramCache",
    "RunLimits",
    "SubprocessDriver",
]
