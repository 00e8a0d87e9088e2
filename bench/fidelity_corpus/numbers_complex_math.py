import cmath
import math

z = complex(3, 4)
print(z, abs(z), z.real, z.imag, z.conjugate(), z * 1j)
print(cmath.sqrt(-1), cmath.phase(-1), round(cmath.exp(1j * math.pi).real, 10))
print(math.sqrt(16), math.hypot(3, 4), math.factorial(10), math.comb(10, 3), math.perm(5, 2))
print(math.gcd(48, 36), math.lcm(4, 6), round(math.log(100, 10), 9), math.log2(1024))
print(round(math.sin(math.pi / 6), 12), math.degrees(math.pi), math.radians(180) == math.pi)
print(math.prod([1, 2, 3, 4]), math.isqrt(99), math.copysign(3, -0.0), math.fmod(-7, 3))
print(math.dist((0, 0), (3, 4)), math.e, math.tau / 2 == math.pi)
