"""Trust: levels, the strategies that promote and demote skills, and what trust gates."""

from .levels import Threshold, TrustLevel
from .policy import TrustPolicy
from .strategies import (
    AlwaysTrustedStrategy,
    CustomTrustStrategy,
    DefaultTrustStrategy,
    RelaxedTrustStrategy,
    ThresholdTrustStrategy,
    TrustStrategy,
)

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
