from collections import Counter

text = """the quick brown fox jumps over the lazy dog the fox barks"""
words = Counter(text.split())
print(words.most_common(3))
print(words["fox"], words["cat"])
words.update(["cat", "cat"])
print(sorted(words.items())[:4])
print(sum(words.values()), len(words))
print(words - Counter({"the": 2}))
