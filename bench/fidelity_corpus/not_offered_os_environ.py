import os

print(os.environ.get("FIDELITY_UNSET_VARIABLE", "default"))
print(os.path.join("a", "b", "c.txt"), os.path.splitext("x.tar.gz"), os.sep)
