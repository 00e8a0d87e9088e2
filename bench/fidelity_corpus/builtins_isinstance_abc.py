from collections.abc import Iterable, Mapping, MutableSequence, Sequence, Sized

for value in [[1], (1,), "s", {"k": 1}, {1}, 5, range(2), b"x"]:
    flags = [
        isinstance(value, Iterable),
        isinstance(value, Sequence),
        isinstance(value, Mapping),
        isinstance(value, MutableSequence),
        isinstance(value, Sized),
    ]
    print(type(value).__name__, flags)
print(isinstance(True, int), isinstance(1, (str, float)), issubclass(bool, object))
