# ruff: noqa: F821
class Grid:
    size = 3
    cells = [size * i for i in range(3)]


print(Grid.cells)


class Broken:
    factor = 2
    values = [factor * i for i in range(3)]


print(Broken.values)
