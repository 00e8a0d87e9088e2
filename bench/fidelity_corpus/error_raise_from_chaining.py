# ruff: noqa: B018
class ConfigError(Exception):
    pass


def load(text):
    try:
        return int(text)
    except ValueError as exc:
        raise ConfigError(f"bad number {text!r}") from exc


try:
    load("x1")
except ConfigError as exc:
    print(exc, "| cause:", type(exc.__cause__).__name__, exc.__cause__)
try:
    try:
        {}["k"]
    except KeyError:
        raise RuntimeError("while handling") from None
except RuntimeError as exc:
    print(exc, exc.__cause__, exc.__suppress_context__, type(exc.__context__).__name__)
try:
    try:
        1 / 0
    except ZeroDivisionError:
        [].pop()
except IndexError as exc:
    print(exc, "context:", type(exc.__context__).__name__)
