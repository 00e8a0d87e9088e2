from contextlib import ExitStack, closing, nullcontext, suppress

with suppress(KeyError, IndexError):
    {}["missing"]
print("after suppress")


class Thing:
    def __init__(self, n, log):
        self.n, self.log = n, log

    def close(self):
        self.log.append(f"closed {self.n}")


log = []
with ExitStack() as stack:
    things = [stack.enter_context(closing(Thing(i, log))) for i in range(3)]
    stack.callback(log.append, "callback")
    log.append(f"using {len(things)}")
print(log)
with nullcontext(42) as v:
    print(v)
