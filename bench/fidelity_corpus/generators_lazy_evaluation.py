calls = []


def square(x):
    calls.append(x)
    return x * x


lazy = (square(x) for x in range(5))
print(calls)
print(next(lazy), next(lazy), calls)
print(sum(lazy), calls)
print(list(lazy))
gen = (x for x in [1, 2])
print(list(gen), list(gen))
r = range(0, 20, 3)
print(r, r[2], len(r), 9 in r, list(reversed(r))[:2], r.index(12))
