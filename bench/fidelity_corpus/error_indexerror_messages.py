data = [1, 2, 3]
for probe in [
    lambda: data[3],
    lambda: data[-4],
    lambda: (1, 2)[5],
    lambda: "abc"[10],
    lambda: [].pop(),
    lambda: data.pop(7),
    lambda: range(3)[3],
    lambda: b"x"[1],
    lambda: data.index(9),
    lambda: "abc".index("z"),
    lambda: [1][1:][0],
]:
    try:
        probe()
    except (IndexError, ValueError) as exc:
        print(f"{type(exc).__name__}: {exc}")
