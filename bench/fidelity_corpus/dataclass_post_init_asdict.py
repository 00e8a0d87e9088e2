from dataclasses import asdict, astuple, dataclass, field, fields, replace


@dataclass
class Order:
    item: str
    qty: int
    unit_price: float
    total: float = field(init=False)

    def __post_init__(self):
        if self.qty <= 0:
            raise ValueError(f"qty must be positive, got {self.qty}")
        self.total = round(self.qty * self.unit_price, 2)


o = Order("pen", 3, 1.2)
print(o, asdict(o), astuple(o))
print([f.name for f in fields(o)])
print(replace(o, qty=10))
try:
    Order("x", 0, 1.0)
except ValueError as exc:
    print("ValueError:", exc)
