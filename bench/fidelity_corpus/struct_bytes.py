import struct

packed = struct.pack("<HiQ?", 513, -2, 2**40, True)
print(packed, len(packed), struct.calcsize("<HiQ?"))
print(struct.unpack("<HiQ?", packed))
print(struct.pack(">f", 1.5).hex(), struct.unpack("4B", b"\x01\x02\x03\x04"))
try:
    struct.pack("b", 300)
except struct.error as exc:
    print("struct.error:", exc)
print(int.from_bytes(b"\x01\x00", "little"), (1024).to_bytes(2, "big"), bytes(range(5)).hex("-"))
