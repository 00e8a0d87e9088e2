for attempt in [
    lambda: int("12x"),
    lambda: int(""),
    lambda: float("one"),
    lambda: int("5", base=1),
    lambda: [1, 2].remove(3),
    lambda: "a,b".split(",", "x"),
]:
    try:
        attempt()
    except (ValueError, TypeError) as exc:
        print(f"{type(exc).__name__}: {exc}")
for bad in [(1, 2, 3), (1,), []]:
    try:
        a, b = bad
    except ValueError as exc:
        print("ValueError:", exc)
try:
    a, *rest, b = [1]
except ValueError as exc:
    print("ValueError:", exc)
import math  # noqa: E402

for f, arg in [(math.sqrt, -1), (math.log, 0), (math.acos, 2)]:
    try:
        f(arg)
    except ValueError as exc:
        print(f.__name__, "ValueError:", exc)
