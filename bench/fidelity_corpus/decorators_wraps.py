import functools


def logged(prefix):
    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            print(f"{prefix} {fn.__name__}{args} {kwargs}")
            return fn(*args, **kwargs)

        return wrapper

    return decorate


def plain(fn):
    def wrapper(*args):
        return fn(*args)

    return wrapper


@logged("->")
def add(a, b=1):
    """Add two numbers."""
    return a + b


@plain
def sub(a, b):
    return a - b


print(add(2, b=3), add.__name__, add.__doc__, add.__wrapped__(1))
print(sub(5, 3), sub.__name__)
