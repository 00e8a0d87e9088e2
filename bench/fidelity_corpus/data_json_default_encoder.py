import json
from datetime import date, datetime
from decimal import Decimal


def encode(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


order = {"day": date(2024, 3, 1), "total": Decimal("19.90"), "at": datetime(2024, 3, 1, 12, 30)}
print(json.dumps(order, default=encode))


class Encoder(json.JSONEncoder):
    def default(self, o):
        if isinstance(o, set):
            return sorted(o)
        return super().default(o)


print(json.dumps({"ids": {3, 1, 2}}, cls=Encoder))
