from functools import partial, reduce
from operator import add, mul

print(reduce(add, [1, 2, 3, 4]), reduce(mul, range(1, 6)), reduce(add, [], 0))
try:
    reduce(add, [])
except TypeError as exc:
    print("TypeError:", exc)
int_from_binary = partial(int, base=2)
print(int_from_binary("1011"), int_from_binary.func.__name__, int_from_binary.keywords)
power_of_two = partial(pow, 2)
print([power_of_two(n) for n in range(6)])
print(reduce(lambda acc, w: acc + len(w), ["ab", "cde"], 0))
