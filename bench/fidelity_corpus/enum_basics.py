from enum import Enum, Flag, IntEnum, auto


class Color(Enum):
    RED = 1
    GREEN = 2
    BLUE = 3


class Perm(Flag):
    READ = auto()
    WRITE = auto()
    EXEC = auto()


class Level(IntEnum):
    LOW = 1
    HIGH = 10


print(Color.RED, repr(Color.GREEN), Color(3), Color["BLUE"].value, Color.RED.name)
print(list(Color), len(Color), Color.RED in Color)
rw = Perm.READ | Perm.WRITE
print(rw, Perm.WRITE in rw, Perm.EXEC in rw, repr(Perm.READ))
print(Level.HIGH > Level.LOW, Level.LOW + 1, sorted([Level.HIGH, Level.LOW]))
print({c.name: c.value for c in Color})
