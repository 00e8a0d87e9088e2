from dataclasses import dataclass


@dataclass
class Point:
    x: int
    y: int


@dataclass
class Circle:
    center: Point
    r: int


def where(shape):
    match shape:
        case Point(0, 0):
            return "origin"
        case Point(x=0, y=y):
            return f"on y axis at {y}"
        case Point(x, y) if x == y:
            return "diagonal"
        case Circle(Point(0, 0), r):
            return f"centered circle r={r}"
        case Circle(center=Point(x=cx), r=r) if r > 5:
            return f"big circle at x={cx}"
        case Point() | Circle():
            return "somewhere"
    return "not a shape"


for s in [
    Point(0, 0),
    Point(0, 5),
    Point(2, 2),
    Point(1, 3),
    Circle(Point(0, 0), 1),
    Circle(Point(4, 0), 9),
    Circle(Point(1, 1), 1),
    "x",
]:
    print(s, "->", where(s))
print(Point.__match_args__)
