from dataclasses import FrozenInstanceError, dataclass


@dataclass(frozen=True)
class Point:
    x: float
    y: float = 0.0

    def norm(self):
        return (self.x**2 + self.y**2) ** 0.5


p = Point(3, 4)
print(p, p.norm(), hash(p) == hash(Point(3, 4)))
try:
    p.x = 10
except FrozenInstanceError as exc:
    print("FrozenInstanceError:", exc)
print({p: "origin-ish"}[Point(3.0, 4.0)])
try:
    Point()
except TypeError as exc:
    print("TypeError:", exc)
