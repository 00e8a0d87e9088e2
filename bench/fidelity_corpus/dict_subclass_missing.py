class DefaultList(dict):
    def __missing__(self, key):
        value = self[key] = []
        return value


d = DefaultList()
d["a"].append(1)
d["a"].append(2)
d["b"]
print(d, len(d), isinstance(d, dict), d.get("zzz"))


class Upper(dict):
    def __setitem__(self, key, value):
        super().__setitem__(key.upper(), value)


u = Upper()
u["x"] = 1
print(u, Upper({"y": 2}))
