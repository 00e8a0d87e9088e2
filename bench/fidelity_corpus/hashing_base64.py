# ruff: noqa: UP012
import base64
import hashlib
import hmac

data = "code mode".encode()
print(hashlib.sha256(data).hexdigest())
print(hashlib.md5(data).hexdigest(), hashlib.sha1(b"").hexdigest()[:12])
h = hashlib.blake2b(digest_size=8)
h.update(b"part1")
h.update(b"part2")
print(h.hexdigest())
sig = hmac.new(b"secret", data, "sha256").hexdigest()
print(sig[:16], hmac.compare_digest(sig, sig))
encoded = base64.b64encode(data)
print(encoded, base64.b64decode(encoded), base64.urlsafe_b64encode(b"\xfb\xff").decode())
print(base64.b16encode(b"hi"), base64.b32encode(b"hi"))
