# ruff: noqa: F821
len = lambda x: 42  # noqa: E731
print(len([1, 2, 3]))
del len
print(len([1, 2, 3]))
list = [1, 2]
try:
    list("abc")
except TypeError as exc:
    print("TypeError:", exc)
del list
print(list("abc"))
