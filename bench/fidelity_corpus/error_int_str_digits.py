big = 10**5000
try:
    print(len(str(big)))
except ValueError as exc:
    print("ValueError:", exc)
print(big.bit_length(), len(hex(big)))
try:
    int("9" * 5000)
except ValueError as exc:
    print("ValueError:", str(exc)[:60])
