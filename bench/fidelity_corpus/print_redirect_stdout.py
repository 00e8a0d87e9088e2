import io
from contextlib import redirect_stdout

buffer = io.StringIO()
with redirect_stdout(buffer):
    print("captured", 1)
    print("captured", 2)
print("outside:", repr(buffer.getvalue()))
out = io.StringIO()
print("to buffer", file=out)
print(out.getvalue().upper(), end="")
