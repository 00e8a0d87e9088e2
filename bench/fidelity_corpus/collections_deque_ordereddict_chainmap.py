from collections import ChainMap, OrderedDict, deque

d = deque([1, 2, 3], maxlen=4)
d.appendleft(0)
d.append(4)
d.rotate(1)
print(d, d[0], d.maxlen, list(d))
print(d.popleft(), d.pop(), d)
od = OrderedDict(a=1, b=2, c=3)
od.move_to_end("a")
print(od, list(od), od.popitem(last=False))
defaults = {"theme": "light", "lang": "en"}
user = {"theme": "dark"}
settings = ChainMap(user, defaults)
print(settings["theme"], settings["lang"], len(settings), dict(settings))
settings["lang"] = "fr"
print(user, defaults, settings.maps[0] is user)
