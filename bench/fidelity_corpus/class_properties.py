class Temperature:
    def __init__(self, celsius=0.0):
        self.celsius = celsius

    @property
    def celsius(self):
        return self._celsius

    @celsius.setter
    def celsius(self, value):
        if value < -273.15:
            raise ValueError(f"{value} is below absolute zero")
        self._celsius = value

    @property
    def fahrenheit(self):
        return self._celsius * 9 / 5 + 32


t = Temperature(25)
print(t.celsius, t.fahrenheit)
t.celsius = -40
print(t.fahrenheit)
for bad in [-300]:
    try:
        t.celsius = bad
    except ValueError as exc:
        print("ValueError:", exc)
try:
    t.fahrenheit = 3
except AttributeError as exc:
    print("AttributeError:", exc)
