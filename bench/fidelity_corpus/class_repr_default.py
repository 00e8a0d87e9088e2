class Plain:
    pass


class WithStr:
    def __str__(self):
        return "custom str"


print(Plain, WithStr, type(Plain()), Plain.__name__)
print(str(WithStr()), f"{WithStr()}", [str(WithStr())])
print(repr(Plain).startswith("<class"), repr(Plain()).startswith("<__main__.Plain object at 0x"))
