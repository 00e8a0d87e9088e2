import textwrap

lorem = (
    "Code mode lets a model write a short program that calls tools, keeps the "
    "intermediate data out of its context and returns only what matters."
)
print(textwrap.fill(lorem, width=30))
print(textwrap.shorten(lorem, width=40, placeholder=" [...]"))
block = """
    def f():
        return 1
"""
print(textwrap.dedent(block).strip())
print(textwrap.indent("a\nb\n", "> "), end="")
print(textwrap.wrap("short", 10))
