class CountCalls:
    def __init__(self, fn):
        self.fn = fn
        self.calls = 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return self.fn(*args, **kwargs)


@CountCalls
def hello(name):
    return f"hello {name}"


print(hello("a"), hello("b"), hello.calls)


def singleton(cls):
    instances = {}

    def get(*args):
        if cls not in instances:
            instances[cls] = cls(*args)
        return instances[cls]

    return get


@singleton
class Db:
    def __init__(self, url):
        self.url = url


print(Db("x").url, Db("y").url, Db("z") is Db("w"))
