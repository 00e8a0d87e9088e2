import weakref


class Node:
    def __init__(self, name):
        self.name = name


n = Node("a")
ref = weakref.ref(n)
print(ref() is n, ref().name)
cache = weakref.WeakValueDictionary()
cache["a"] = n
print("a" in cache, len(cache))
del n
print(ref(), "a" in cache)
