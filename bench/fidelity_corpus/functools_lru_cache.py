# ruff: noqa: UP033
from functools import cache, lru_cache


@lru_cache(maxsize=None)
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


print(fib(80), fib.cache_info())
fib.cache_clear()
print(fib.cache_info().currsize)


@cache
def slow_square(x):
    print("computing", x)
    return x * x


print(slow_square(4), slow_square(4), slow_square(5))


@lru_cache(maxsize=2)
def ident(x):
    return x


for v in [1, 2, 1, 3, 1]:
    ident(v)
print(ident.cache_info())
