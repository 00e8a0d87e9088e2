import fnmatch
import shlex

print(shlex.split("cmd --name \"John Smith\" -v 'single quoted' end"))
print(shlex.quote("file with spaces.txt"), shlex.join(["echo", "a b", "c"]))
files = ["data.csv", "data.json", "notes.txt", "Data.CSV", "img_01.png"]
print(fnmatch.filter(files, "*.csv"), fnmatch.fnmatch("Data.CSV", "*.csv"))
print([f for f in files if fnmatch.fnmatchcase(f, "[a-z]*_??.png")], fnmatch.translate("*.py"))
