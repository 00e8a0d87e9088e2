class Counter:
    instances = 0
    history = []

    def __init__(self, label):
        Counter.instances += 1
        self.label = label
        self.history.append(label)


a = Counter("a")
b = Counter("b")
b.instances = 100
print(Counter.instances, a.instances, b.instances)
print(a.history is b.history, Counter.history)
print(vars(b), "instances" in vars(a))
del b.instances
print(b.instances)
