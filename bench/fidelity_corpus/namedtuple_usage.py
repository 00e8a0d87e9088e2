from collections import namedtuple

Point = namedtuple("Point", ["x", "y"])
p = Point(1, y=2)
print(p, p.x + p.y, p[0], tuple(p))
print(p._replace(x=10), p._asdict(), Point._fields)
x, y = p
print(x, y, Point._make([5, 6]))
Row = namedtuple("Row", "id name score", defaults=[0.0])
print(Row(1, "a"), sorted([Row(2, "b", 3.0), Row(1, "a", 9.0)]))
try:
    p.x = 3
except AttributeError as exc:
    print("AttributeError:", exc)
