import functools

values = iter([3, 2, 1, 0, 5])
print(list(iter(functools.partial(next, values), 0)))
it = iter(range(3))
print(next(it), list(it), next(it, "exhausted"))
chunks = iter(["ab", "cd", ""])
print(list(iter(lambda: next(chunks), "")))


class CountDown:
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return self

    def __next__(self):
        if self.n <= 0:
            raise StopIteration
        self.n -= 1
        return self.n + 1


print(list(CountDown(3)), sum(CountDown(4)), 2 in CountDown(3))
