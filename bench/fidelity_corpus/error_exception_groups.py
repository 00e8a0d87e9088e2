# ruff: noqa: B007, F821
def run(tasks):
    errors = []
    for name, fn in tasks:
        try:
            fn()
        except Exception as exc:
            errors.append(exc)
    if errors:
        raise ExceptionGroup("some tasks failed", errors)


tasks = [("a", lambda: 1 / 0), ("b", lambda: None), ("c", lambda: int("x")), ("d", lambda: [][1])]
try:
    run(tasks)
except ExceptionGroup as group:
    zero, rest = group.split(ZeroDivisionError)
    print("zero:", [str(e) for e in zero.exceptions])
    print("value/index:", sorted(type(e).__name__ for e in rest.exceptions))
eg = ExceptionGroup("outer", [ValueError(1), ExceptionGroup("inner", [TypeError(2)])])
print(eg, len(eg.exceptions), eg.subgroup(TypeError))
