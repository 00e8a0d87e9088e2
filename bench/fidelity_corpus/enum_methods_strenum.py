from enum import Enum, StrEnum


class Planet(Enum):
    MERCURY = (3.303e23, 2.4397e6)
    EARTH = (5.976e24, 6.37814e6)

    def __init__(self, mass, radius):
        self.mass = mass
        self.radius = radius

    @property
    def gravity(self):
        return 6.673e-11 * self.mass / (self.radius * self.radius)


class Http(StrEnum):
    GET = "GET"
    POST = "POST"


for p in Planet:
    print(p.name, round(p.gravity, 2))
print(Http.GET == "GET", Http.POST.upper(), f"{Http.GET}", str(Http.POST))
