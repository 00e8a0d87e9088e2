from enum import Enum, unique


class Status(Enum):
    ACTIVE = "active"
    PAUSED = "paused"


for probe in ["active", "deleted"]:
    try:
        print(Status(probe))
    except ValueError as exc:
        print("ValueError:", exc)
try:
    Status["GONE"]
except KeyError as exc:
    print("KeyError:", exc)
try:
    Status.ACTIVE.value = "x"
except AttributeError as exc:
    print("AttributeError:", exc)
try:

    @unique
    class Dup(Enum):
        A = 1
        B = 1

except ValueError as exc:
    print("ValueError:", exc)
