# ruff: noqa: RUF023
class Pixel:
    __slots__ = ("x", "y", "color")

    def __init__(self, x, y, color="black"):
        self.x, self.y, self.color = x, y, color

    def __repr__(self):
        return f"Pixel({self.x}, {self.y}, {self.color!r})"


p = Pixel(1, 2)
print(p, Pixel.__slots__)
try:
    p.alpha = 0.5
except AttributeError as exc:
    print("AttributeError:", exc)
del p.color
try:
    print(p.color)
except AttributeError as exc:
    print("AttributeError:", exc)
