try:
    print(undefined_name)
except NameError as exc:
    print("NameError:", exc, exc.name)


def f():
    return also_missing  # noqa: F821


try:
    f()
except NameError as exc:
    print("NameError:", exc)
x = 1
del x
try:
    x  # noqa: B018
except NameError as exc:
    print("NameError:", exc)
