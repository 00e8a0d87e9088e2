import traceback

try:
    {}["missing"]
except KeyError:
    text = traceback.format_exc()
    print(text.splitlines()[-1])
