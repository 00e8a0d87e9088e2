import unicodedata

for ch in "Aé1 ☃":
    print(repr(ch), unicodedata.name(ch, "?"), unicodedata.category(ch))
decomposed = unicodedata.normalize("NFD", "é")
print(len(decomposed), len(unicodedata.normalize("NFC", decomposed)))
print(unicodedata.numeric("½"), unicodedata.lookup("GREEK SMALL LETTER ALPHA"))
