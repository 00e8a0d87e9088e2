words = "the cat sat on the mat".split()
[w.upper() for w in words if len(w) == 3]
