import secrets
import string

token = secrets.token_hex(8)
print(len(token), all(c in string.hexdigits for c in token))
print(len(secrets.token_bytes(5)), len(secrets.token_urlsafe(16)) >= 16)
print(secrets.choice([7]), 0 <= secrets.randbelow(10) < 10, secrets.compare_digest("a", "a"))
