class Item:
    kind = "thing"

    def __init__(self):
        self.name = "x"
        self.size = 3

    def grow(self):
        self.size += 1


item = Item()
print(vars(item), sorted(item.__dict__))
print([n for n in dir(item) if not n.startswith("_")])
print("grow" in dir(Item), "size" in dir(Item), sorted(vars(Item).keys() - set(dir(object))))
