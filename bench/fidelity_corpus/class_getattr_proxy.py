# ruff: noqa: B018
class Proxy:
    def __init__(self, target):
        self._target = target
        self.calls = []

    def __getattr__(self, name):
        self.calls.append(name)
        return getattr(self._target, name)


p = Proxy([3, 1, 2])
p.append(0)
p.sort()
print(p._target, p.calls, p.count(1))
try:
    p.missing_method
except AttributeError as exc:
    print("AttributeError:", exc)


class Strict:
    def __setattr__(self, name, value):
        if not name.islower():
            raise AttributeError(f"bad attribute name {name!r}")
        super().__setattr__(name, value)


s = Strict()
s.ok = 1
try:
    s.Bad = 2
except AttributeError as exc:
    print("AttributeError:", exc, s.ok)
