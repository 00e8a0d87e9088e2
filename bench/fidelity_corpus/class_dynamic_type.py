Point = type("Point", (), {"x": 0, "describe": lambda self: f"Point at {self.x}"})
p = Point()
p.x = 3
print(p.describe(), Point.__name__, type(p).__name__, isinstance(p, Point))
Base = type("Base", (object,), {})
Derived = type("Derived", (Base,), {"flag": True})
print(issubclass(Derived, Base), Derived.flag, Derived().flag)
