import uuid

ns = uuid.NAMESPACE_DNS
print(uuid.uuid5(ns, "example.org"), uuid.uuid3(ns, "example.org"))
u = uuid.UUID("12345678-1234-5678-1234-567812345678")
print(u.hex, u.int % 1000, u.version, repr(u))
print(str(uuid.UUID(bytes=b"\x00" * 16)))
try:
    uuid.UUID("not-a-uuid")
except ValueError as exc:
    print("ValueError:", exc)
