# ruff: noqa: F823
value = "global"


def shadow():
    try:
        print(value)
    except UnboundLocalError as exc:
        print("UnboundLocalError:", exc)
    value = "local"
    return value


print(shadow(), value)


def uses_before_assign(flag):
    if flag:
        result = "set"
    return result


print(uses_before_assign(True))
try:
    uses_before_assign(False)
except UnboundLocalError as exc:
    print(type(exc).__name__, isinstance(exc, NameError), exc)
