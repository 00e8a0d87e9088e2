def make_counter(start=0):
    count = start

    def increment(step=1):
        nonlocal count
        count += step
        return count

    def reset():
        nonlocal count
        count = start

    return increment, reset


inc, reset = make_counter(10)
print(inc(), inc(), inc(5))
reset()
print(inc())
other, _ = make_counter()
print(other(), inc())
print(inc.__closure__ is not None, inc.__name__, inc.__qualname__)
