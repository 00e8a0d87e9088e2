# ruff: noqa: UP032
class Celsius:
    def __init__(self, degrees):
        self.degrees = degrees

    def __format__(self, spec):
        if spec.endswith("F"):
            return f"{self.degrees * 9 / 5 + 32:{spec[:-1]}f}°F"
        return f"{self.degrees:{spec or 'g'}}°C"

    def __repr__(self):
        return f"{self.__class__.__name__}({self.degrees})"


t = Celsius(21.5)
print(f"{t}", f"{t:.2f}", f"{t:.1F}", format(t, ">8"), "{:.0F}".format(t), repr(t))
