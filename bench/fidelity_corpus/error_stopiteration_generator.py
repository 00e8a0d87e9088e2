def gen():
    yield 1
    next(iter([]))
    yield 2


try:
    print(list(gen()))
except RuntimeError as exc:
    print("RuntimeError:", exc, type(exc.__cause__).__name__)
it = iter([])
print(next(it, "default"))
try:
    next(it)
except StopIteration as exc:
    print("StopIteration", repr(exc), exc.value)
