# ruff: noqa: B905
rows = [("python", 1991, "Guido"), ("rust", 2010, "Graydon"), ("go", 2009, "Rob, Ken, Robert")]
header = ("language", "year", "creators")
widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(3)]


def line(cells):
    return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"


print(line(header))
print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
for r in sorted(rows, key=lambda r: r[1]):
    print(line(r))
