# ruff: noqa: F821
limit = 3


def allowed(n):
    return n <= limit


print([allowed(n) for n in range(5)])
limit = 1
print([allowed(n) for n in range(5)])
del limit
try:
    allowed(1)
except NameError as exc:
    print("NameError:", exc)
