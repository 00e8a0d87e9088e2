import re
from collections import Counter

doc = """Code mode agents write programs. Programs call tools; tools return data.
The data stays in the program, and only the answer goes back to the model.
Skills are programs that worked, saved for later."""
sentences = [s for s in re.split(r"(?<=[.;])\s+", doc) if s]
words = re.findall(r"[a-z']+", doc.lower())
print(len(sentences), "sentences,", len(words), "words")
common = Counter(w for w in words if len(w) > 3).most_common(3)
print(common)
longest = max(words, key=len)
print("longest:", longest, "| avg length:", round(sum(map(len, words)) / len(words), 3))
print({w: words.count(w) for w in ("programs", "data", "model")})
