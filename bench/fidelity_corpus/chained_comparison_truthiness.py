x = 5
print(1 < x < 10, 1 < x > 3, x == 5 == 5.0, 1 < 2 > 0 < -1)
for value in [0, 0.0, "", [], {}, (), set(), None, "0", [0], 0j, range(0), -1]:
    print(repr(value), bool(value))
print(None or "default", 0 and "x", "a" and "b", [] or [] or "last")
print(not [], not None, all([]), any([]), all([1, "a"]), any([0, ""]))
print(1 == 1.0, "1" == 1, [1, 2] < [1, 3], (1, "b") < (1, "c"), "B" < "a")
print(None is None, [] is [], 2**10 == 1024)  # noqa: F632
