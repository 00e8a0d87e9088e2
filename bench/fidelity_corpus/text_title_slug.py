import re
import unicodedata


def slugify(text):
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


for title in ["Hello, World!", "  Crème brûlée — recipe #2 ", "already-a-slug", "Ünïcödé   Tëxt"]:
    print(repr(title), "->", slugify(title))
