"""Trust levels: what a stored skill carries and every layer compares."""

from __future__ import annotations

from enum import Enum


class TrustLevel(str, Enum):
    """How far a skill has proven itself. Ordered: untrusted < provisional < trusted.

    The four comparisons are written out because a ``str`` enum inherits ``str``'s own
    ``<``/``<=``/``>``/``>=`` (alphabetical: "provisional" < "trusted" < "untrusted"), and
    ``functools.total_ordering`` only fills in the comparisons a class does not have.
    """

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


#: How many distinct requests, users and days a skill's evidence remembers (per kind).
#: Thresholds may ask for at most this many; it bounds what each stored skill carries.
EVIDENCE_CAP = 64
