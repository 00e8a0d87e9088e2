import csv
import io

buffer = io.StringIO()
writer = csv.writer(buffer, lineterminator="\n")
writer.writerow(["id", "label", "note"])
writer.writerows([[1, "plain", ""], [2, "has,comma", 'say "hi"'], [3, "multi\nline", None]])
print(buffer.getvalue(), end="")
print(repr(buffer.getvalue().splitlines()[2]))
