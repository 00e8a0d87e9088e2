import datetime

n = 1234567.891
print(f"{n:,.2f}|{n:>15,.1f}|{n:<12.0f}|{n:^14.3e}|{n:_}")
print(f"{42:05d}|{42:+d}|{-42: d}|{42:x}|{42:#X}|{42:#o}|{42:b}|{42:#010b}")
print(f"{0.256:.1%}|{1 / 3:.4}|{2 / 3:g}|{1e-7:g}|{123456789.0:g}")
name, width = "ada", 8
print(f"[{name:>{width}}]|[{name:*^{width}}]|[{name!r:<10}]|{name!s}|{'é'!a}")
when = datetime.datetime(2024, 3, 5, 7, 8, 9)
print(f"{when:%Y-%m-%d %H:%M}|{when:%b %d}|{when.date()!s}")
x, y = 3, 4
print(f"{x=}, {y = }, {x * y = :>5}")
print(f"{'nested ' + f'{x}'}|{{literal braces}}|{3.14159:.{x}f}")
print(f"{True:>6}|{None!s:>6}|{[1, 2]!r:>10}")
