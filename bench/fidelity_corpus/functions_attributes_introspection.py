def area(width: float, height: float = 1.0) -> float:
    """Rectangle area."""
    return width * height


print(area.__name__, area.__doc__, area.__defaults__, area.__annotations__)
print(callable(area), area(2))
area.unit = "m2"
print(area.unit, area(2, 3))
square = lambda side: side * side  # noqa: E731
print(square.__name__, square(4), (lambda: 0).__qualname__)
