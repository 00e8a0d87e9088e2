trace = []


def f(x):
    try:
        trace.append("try")
        if x == 0:
            raise ValueError("zero")
        return "normal"
    except ValueError:
        trace.append("except")
        return "handled"
    else:
        trace.append("else")
    finally:
        trace.append("finally")


print(f(1), f(0), trace)


def g():
    try:
        return "try"
    finally:
        print("finally runs before return")


print(g())
for i in range(3):
    try:
        if i == 1:
            continue
        trace.append(i)
    finally:
        trace.append(f"f{i}")
print(trace[-5:])
