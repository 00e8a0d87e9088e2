# ruff: noqa: B905
import math


class Vector:
    def __init__(self, *components):
        self.c = tuple(components)

    def __add__(self, other):
        return Vector(*(a + b for a, b in zip(self.c, other.c)))

    def __sub__(self, other):
        return self + (-other)

    def __neg__(self):
        return Vector(*(-a for a in self.c))

    def __mul__(self, k):
        return Vector(*(a * k for a in self.c))

    __rmul__ = __mul__

    def __abs__(self):
        return math.hypot(*self.c)

    def __matmul__(self, other):
        return sum(a * b for a, b in zip(self.c, other.c))

    def __repr__(self):
        return f"Vector{self.c}"

    def __eq__(self, other):
        return self.c == other.c


v, w = Vector(1, 2), Vector(3, 4)
print(v + w, v - w, 3 * v, v * 2, abs(w), v @ w, v == Vector(1, 2))
try:
    v + 1
except AttributeError as exc:
    print("AttributeError:", exc)
try:
    "x" @ v
except TypeError as exc:
    print("TypeError:", exc)
