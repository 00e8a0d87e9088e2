first, *middle, last = range(6)
print(first, middle, last)
head, *tail = "abc"
print(head, tail)
(a, b), c = (1, 2), 3
print(a, b, c)
for i, (name, score) in enumerate([("x", 1), ("y", 2)], start=1):
    print(i, name, score)
print(*[1, 2], *"ab", sep="-")
merged = [*range(3), *(7, 8), *{9}]
print(merged, {**{"a": 1}, **dict(b=2)})


def f(*args, **kwargs):
    return args, kwargs


print(f(1, *[2, 3], x=4, **{"y": 5}))
a, b = b, a
print(a, b)
x = y = z = []
x.append(1)
print(y, z is x)
