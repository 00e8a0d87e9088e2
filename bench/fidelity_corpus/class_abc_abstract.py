from abc import ABC, abstractmethod


class Shape(ABC):
    @abstractmethod
    def area(self): ...

    def describe(self):
        return f"{type(self).__name__} with area {self.area():.2f}"


class Square(Shape):
    def __init__(self, side):
        self.side = side

    def area(self):
        return self.side**2


class Broken(Shape):
    pass


print(Square(3).describe())
for cls in (Shape, Broken):
    try:
        cls()
    except TypeError as exc:
        print("TypeError:", exc)
print(isinstance(Square(1), Shape))
