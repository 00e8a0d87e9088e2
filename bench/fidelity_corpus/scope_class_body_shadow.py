x = 1
y = 10


class A:
    x = x + 1
    y = y * 2
    z = x + y


print(A.x, A.y, A.z, x, y)


def f():
    return x


class B:
    x = 100
    got = f()


print(B.got)
