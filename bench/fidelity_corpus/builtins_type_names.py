# ruff: noqa: UP003
def outer():
    def inner():
        pass

    return inner


class A:
    class B:
        def method(self):
            pass


f = outer()
print(f.__name__, f.__qualname__, A.B.__qualname__, A.B.method.__qualname__)
print(type(1).__name__, type("").__name__, type(None).__name__, type(f).__name__)
print(A.__name__, A.__module__, A().__class__.__name__, type(A).__name__)
print(len.__name__, print.__name__, int.__name__, A.B().method.__name__)
