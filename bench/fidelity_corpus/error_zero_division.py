from decimal import Decimal, DivisionByZero
from fractions import Fraction

for attempt in [
    lambda: 1 / 0,
    lambda: 1 // 0,
    lambda: 1 % 0,
    lambda: 1.0 / 0,
    lambda: divmod(1, 0),
    lambda: 0**-1,
    lambda: Fraction(1) / 0,
]:
    try:
        attempt()
    except ZeroDivisionError as exc:
        print("ZeroDivisionError:", exc)
try:
    Decimal(1) / Decimal(0)
except DivisionByZero as exc:
    print("DivisionByZero", isinstance(exc, ZeroDivisionError))
