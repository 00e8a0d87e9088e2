def outer():
    level = "outer"
    trace = []

    def middle():
        nonlocal level
        level = "middle"

        def inner():
            nonlocal level
            trace.append(level)
            level = "inner"

        inner()
        trace.append(level)

    middle()
    trace.append(level)
    return trace


print(outer())


def make_acc():
    total = []

    def add(x):
        total.append(x)
        return sum(total)

    return add


acc = make_acc()
print(acc(1), acc(2), acc(3))
