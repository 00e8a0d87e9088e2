# ruff: noqa: RUF046
from dataclasses import InitVar, dataclass, field


@dataclass(frozen=True)
class Money:
    amount: float
    currency: str = "EUR"
    cents: int = field(init=False)
    rate: InitVar[float] = 1.0

    def __post_init__(self, rate):
        object.__setattr__(self, "amount", round(self.amount * rate, 2))
        object.__setattr__(self, "cents", int(round(self.amount * 100)))


m = Money(10.005, rate=2)
print(m, m.cents)
print(Money(3), Money(1.5, "USD", rate=3) == Money(4.5, "USD"))
