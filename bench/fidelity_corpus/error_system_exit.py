import sys

print("working")
try:
    sys.exit(3)
except SystemExit as exc:
    print("SystemExit code:", exc.code)
print("still here")
sys.exit("fatal: giving up")
