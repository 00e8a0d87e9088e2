"""Trust: levels, the strategies that promote and demote skills, and what trust gates."""

from ..records import TrustLevel
from .policy import TrustPolicy
from .strategies import (
    AlwaysTrustedStrategy,
    CustomTrustStrategy,
    DefaultTrustStrategy,
    RelaxedTrustStrategy,
    ThresholdTrustStrategy,
    TrustStrategy,
)
from .threshold import Threshold

__all__ = [
    "AlwaysTrustedStrategy",
    "CustomTrustStrategy",
    "DefaultTrustStrategy",
    "RelaxedTrustStrategy",
    "Threshold",
    "ThresholdTrustStrategy",
    "TrustLevel",
    "TrustPolicy",
    "TrustStrategy",
]
