from enum import Enum


class Size(Enum):
    SMALL = "s"
    LARGE = "l"

    @classmethod
    def _missing_(cls, value):
        if isinstance(value, str):
            for member in cls:
                if member.value == value.lower():
                    return member
        return None


print(Size("S"), Size("l"))
try:
    Size("xl")
except ValueError as exc:
    print("ValueError:", exc)
