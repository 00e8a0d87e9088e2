class Positive:
    def __set_name__(self, owner, name):
        self.name = name
        self.store = "_" + name

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        return getattr(obj, self.store)

    def __set__(self, obj, value):
        if value <= 0:
            raise ValueError(f"{self.name} must be > 0, got {value}")
        setattr(obj, self.store, value)


class Box:
    width = Positive()
    height = Positive()

    def __init__(self, width, height):
        self.width = width
        self.height = height


b = Box(2, 3)
print(b.width * b.height, Box.width.name, type(Box.__dict__["height"]).__name__)
try:
    Box(1, -1)
except ValueError as exc:
    print("ValueError:", exc)
