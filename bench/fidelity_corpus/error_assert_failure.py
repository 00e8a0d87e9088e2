def check(values):
    assert values, "no values"
    assert all(v > 0 for v in values), f"non-positive in {values}"
    return sum(values)


print(check([1, 2]))
try:
    check([])
except AssertionError as exc:
    print("AssertionError:", exc)
assert check([3, -1])
