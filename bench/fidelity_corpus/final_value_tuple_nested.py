import math

(math.floor(2.7), [1, (2, 3)], {"k": (None, True)}, "ok")
