from dataclasses import KW_ONLY, dataclass


@dataclass(slots=True)
class Config:
    host: str
    _: KW_ONLY
    port: int = 8080
    debug: bool = False


c = Config("localhost", port=9000)
print(c)
try:
    Config("h", 1)
except TypeError as exc:
    print("TypeError:", exc)
try:
    c.extra = 1
except AttributeError as exc:
    print("AttributeError:", exc)
