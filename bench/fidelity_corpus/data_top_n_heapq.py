import heapq

scores = {"ann": 91, "bob": 78, "cid": 91, "dee": 66, "eve": 85, "fay": 99}
print(heapq.nlargest(3, scores.items(), key=lambda kv: kv[1]))
print(heapq.nsmallest(2, scores, key=scores.get))
heap = []
for name, score in scores.items():
    heapq.heappush(heap, (-score, name))
print([heapq.heappop(heap)[1] for _ in range(4)])
print(list(heapq.merge([1, 4, 9], [2, 3, 10], [0])))
