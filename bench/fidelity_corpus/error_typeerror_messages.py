# ruff: noqa: F524
def greet(name, greeting="hi"):
    return f"{greeting} {name}"


attempts = [
    lambda: "total: " + 5,
    lambda: 5 + "5",
    lambda: greet(),
    lambda: greet("a", "b", "c"),
    lambda: greet(nam="x"),
    lambda: None[0],
    lambda: len(5),
    lambda: 3(),
    lambda: {}[[]],
    lambda: int(None),
    lambda: sorted([1, "a"]),
    lambda: "abc" * 1.5,
    lambda: [1, 2].append(1, 2),
    lambda: ord("ab"),
    lambda: "{} {}".format(1),
    lambda: sum(["a", "b"]),
    lambda: iter(5),
    lambda: "".join([1, 2]),
]
for attempt in attempts:
    try:
        attempt()
    except (TypeError, IndexError) as exc:
        print(f"{type(exc).__name__}: {exc}")
