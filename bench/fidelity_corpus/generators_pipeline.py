def read(lines):
    for number, line in enumerate(lines, 1):
        yield number, line.rstrip()


def non_empty(rows):
    return ((n, line) for n, line in rows if line and not line.startswith("#"))


def parsed(rows):
    for n, line in rows:
        key, _, value = line.partition("=")
        yield n, key.strip(), value.strip()


source = ["# config", "name = demo", "", "size=3", "  # indented comment", "flag ="]
for n, key, value in parsed(non_empty(read(source))):
    print(n, repr(key), repr(value))
gen = read(["x"])
print(next(gen), next(gen, "done"))
