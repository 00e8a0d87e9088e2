import sys

print("to stdout")
print("to stderr", file=sys.stderr)
sys.stdout.write("written directly\n")
sys.stderr.write("error line\n")
print("partial", end="", file=sys.stderr)
print(" done", file=sys.stderr)
print("flushed", flush=True)
print("none file", file=None)
