class Resource:
    def __init__(self, name, log):
        self.name = name
        self.log = log

    def __enter__(self):
        self.log.append(f"open {self.name}")
        return self

    def __exit__(self, exc_type, exc, tb):
        self.log.append(f"close {self.name} ({exc_type.__name__ if exc_type else 'ok'})")
        return exc_type is KeyError


log = []
with Resource("a", log) as r:
    log.append(f"use {r.name}")
with Resource("b", log):
    raise KeyError("swallowed")
try:
    with Resource("c", log), Resource("d", log):
        raise ValueError("boom")
except ValueError as exc:
    log.append(f"caught {exc}")
print("\n".join(log))
