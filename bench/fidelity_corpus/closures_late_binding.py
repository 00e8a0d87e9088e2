# ruff: noqa: B023
funcs = [lambda: i for i in range(3)]
print([f() for f in funcs])
funcs = [lambda i=i: i for i in range(3)]
print([f() for f in funcs])
adders = []
for n in range(3):

    def add(x, n=n):
        return x + n

    adders.append(add)
print([a(10) for a in adders])
multipliers = {}
for k in (2, 3):
    multipliers[k] = lambda x, k=k: x * k
print(multipliers[2](5), multipliers[3](5))
