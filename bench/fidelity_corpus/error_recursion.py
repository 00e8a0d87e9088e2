def depth(n):
    return depth(n + 1)


try:
    depth(0)
except RecursionError as exc:
    print("RecursionError:", exc)


def fact(n):
    return 1 if n <= 1 else n * fact(n - 1)


print(len(str(fact(400))))
