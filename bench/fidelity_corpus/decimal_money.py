# ruff: noqa: RUF032
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, getcontext

prices = [Decimal("19.99"), Decimal("5.01"), Decimal("0.10")]
subtotal = sum(prices)
tax = (subtotal * Decimal("0.25")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
print(subtotal, tax, subtotal + tax)
print(Decimal("1.10") + Decimal("2.20"), 1.10 + 2.20)
print(Decimal(0.1))
getcontext().prec = 6
print(Decimal(1) / Decimal(7))
try:
    Decimal("abc")
except InvalidOperation as exc:
    print("InvalidOperation", type(exc).__mro__[1].__name__)
print(repr(Decimal("3.50")), Decimal("3.50").normalize())
