print(round(2.5), round(3.5), round(-2.5), round(2.675, 2), round(1234, -2))
print(0.1 + 0.2 == 0.3, abs(0.1 + 0.2 - 0.3) < 1e-9)
import math  # noqa: E402

print(math.isclose(0.1 + 0.2, 0.3), math.floor(-2.5), math.ceil(-2.5), math.trunc(-2.7))
print(int(2.9), int(-2.9), float("1e3"), float("  -3.5 "), 7 / 2, 7 // 2, -7 // 2, -7 % 3)
print(1_000_000, 0xFF, 0o17, 0b1010, 1e3, 2**-1, (-8) ** (1 / 3))
print(math.inf > 1e308, -math.inf, math.nan == math.nan, math.isnan(float("nan")))
print(sum([0.1] * 10), math.fsum([0.1] * 10), (0.1).as_integer_ratio())
print(float.fromhex("0x1.8p1"), (3.0).hex(), (2.5).is_integer(), (4.0).is_integer())
