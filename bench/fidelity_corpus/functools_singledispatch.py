from functools import singledispatch


@singledispatch
def describe(value):
    return f"something: {value!r}"


@describe.register
def _(value: int):
    return f"int {value}"


@describe.register(list)
def _(value):
    return f"list of {len(value)}"


print(describe(3), describe([1, 2]), describe("x"))
