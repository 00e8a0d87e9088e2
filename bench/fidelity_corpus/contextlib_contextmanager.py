# ruff: noqa: B018
from contextlib import contextmanager

events = []


@contextmanager
def tag(name):
    events.append(f"<{name}>")
    try:
        yield name.upper()
    except ZeroDivisionError:
        events.append("handled")
    finally:
        events.append(f"</{name}>")


with tag("a") as value:
    events.append(value)
with tag("b"):
    1 / 0
with tag("outer"), tag("inner"):
    events.append("body")
print(" ".join(events))
