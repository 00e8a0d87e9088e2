from fractions import Fraction

a = Fraction(3, 4)
b = Fraction("1/6")
print(a + b, a * b, a / b, a - 1)
print(repr(Fraction(0.75)), Fraction(0.1).limit_denominator(100))
print(sum(Fraction(1, n) for n in range(1, 6)))
print(float(Fraction(22, 7)), Fraction(10, 4).numerator)
try:
    Fraction(1, 0)
except ZeroDivisionError as exc:
    print("ZeroDivisionError:", exc)
