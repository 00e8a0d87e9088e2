class Animal:
    sound = "..."

    def __init__(self, name):
        self.name = name

    def speak(self):
        return f"{self.name} says {self.sound}"


class Dog(Animal):
    sound = "woof"

    def __init__(self, name, tricks=()):
        super().__init__(name)
        self.tricks = list(tricks)

    def speak(self):
        return super().speak() + "!"


class Puppy(Dog):
    sound = "yip"


for pet in [Animal("generic"), Dog("rex", ["sit"]), Puppy("bit")]:
    print(pet.speak(), type(pet).__name__, isinstance(pet, Dog))
print([c.__name__ for c in Puppy.__mro__])
print(issubclass(Puppy, Animal), Puppy.__bases__[0].__name__)
