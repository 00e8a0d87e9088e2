"""What a trust level asks of a skill's independent evidence."""

from __future__ import annotations

from dataclasses import dataclass

from ..records import EVIDENCE_CAP


@dataclass(frozen=True)
class Threshold:
    """What a level asks of a skill's independent evidence (``SkillStats.evidence``).

    ``min_runs`` counted runs (at most one per execution) at ``min_success_rate``, coming
    from at least ``min_requests`` distinct requests, ``min_users`` distinct users other
    than the author, and ``min_days`` distinct UTC days. The last three default to 0, so
    ``Threshold(10, 0.9)`` means what it always meant; the built-in strategies ask more.
    """

    min_runs: int
    min_success_rate: float
    min_requests: int = 0
    min_users: int = 0
    min_days: int = 0

    def __post_init__(self) -> None:
        if self.min_runs < 0 or not 0.0 <= self.min_success_rate <= 1.0:
            raise ValueError("min_runs must be >= 0 and min_success_rate within [0, 1]")
        for field_ in ("min_requests", "min_users", "min_days"):
            value = getattr(self, field_)
            if not 0 <= value <= EVIDENCE_CAP:
                raise ValueError(f"{field_} must be within [0, {EVIDENCE_CAP}]")
