# ruff: noqa: B009, B010
class Settings:
    debug = False

    def __init__(self, **kwargs):
        for key, value in kwargs.items():
            setattr(self, key, value)


s = Settings(level=3, name="x")
print(getattr(s, "level"), getattr(s, "missing", None), hasattr(s, "debug"))
setattr(s, "debug", True)
delattr(s, "name")
print(s.debug, hasattr(s, "name"), sorted(vars(s)))
for field in ["level", "debug"]:
    print(field, "=", getattr(s, field))
print(callable(s), callable(Settings), isinstance(s, (int, Settings)), type(s) is Settings)
