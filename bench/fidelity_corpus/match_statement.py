def describe(value):
    match value:
        case None:
            return "nothing"
        case bool(b):
            return f"bool {b}"
        case int(n) if n < 0:
            return "negative int"
        case int() | float():
            return "number"
        case str() as s if not s:
            return "empty string"
        case [x]:
            return f"one item {x}"
        case [x, y, *rest]:
            return f"starts {x},{y} +{len(rest)}"
        case {"type": "user", "name": name, **extra}:
            return f"user {name} {sorted(extra)}"
        case {"type": kind}:
            return f"other {kind}"
        case _:
            return f"unknown {type(value).__name__}"


for v in [
    None,
    True,
    -3,
    2.5,
    "",
    "x",
    [1],
    [1, 2, 3, 4],
    {"type": "user", "name": "a", "z": 1},
    {"type": "bot"},
    (1, 2),
    {1},
]:
    print(repr(v), "->", describe(v))
