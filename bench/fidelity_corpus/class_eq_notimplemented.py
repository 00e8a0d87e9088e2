# ruff: noqa: B015
class Meters:
    def __init__(self, v):
        self.v = v

    def __eq__(self, other):
        if not isinstance(other, Meters):
            return NotImplemented
        return self.v == other.v

    def __lt__(self, other):
        if not isinstance(other, Meters):
            return NotImplemented
        return self.v < other.v

    def __add__(self, other):
        if isinstance(other, (int, float)):
            return Meters(self.v + other)
        return NotImplemented

    __radd__ = __add__


print(
    Meters(1) == Meters(1), Meters(1) == 1, Meters(1) != "x", (Meters(1) + 2).v, (3 + Meters(1)).v
)
try:
    Meters(1) < 5
except TypeError as exc:
    print("TypeError:", exc)
try:
    Meters(1) + "x"
except TypeError as exc:
    print("TypeError:", exc)
