"""Trust levels and the thresholds that earn them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class TrustLevel(str, Enum):
    """How far a skill has proven itself. Ordered: untrusted < provisional < trusted."""

    UNTRUSTED = "untrusted"
    PROVISIONAL = "provisional"
    TRUSTED = "trusted"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def __lt__(self, other: object) -> bool:  # type: ignore[override]
        if not isinstance(other, TrustLevel):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:  # type: ignore[override]
        if not isinstance(other, TrustLevel):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: object) -> bool:  # type: ignore[override]
        if not isinstance(other, TrustLevel):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:  # type: ignore[override]
        if not isinstance(other, TrustLevel):
            return NotImplemented
        return self.rank >= other.rank


_RANK = {TrustLevel.UNTRUSTED: 0, TrustLevel.PROVISIONAL: 1, TrustLevel.TRUSTED: 2}


@dataclass(frozen=True)
class Threshold:
    """What a level asks of a skill: at least ``min_runs`` runs at ``min_success_rate``."""

    min_runs: int
    min_success_rate: float

    def __post_init__(self) -> None:
        if self.min_runs < 0 or not 0.0 <= self.min_success_rate <= 1.0:
            raise ValueError("min_runs must be >= 0 and min_success_rate within [0, 1]")
