import queue

q = queue.Queue()
for i in range(3):
    q.put(i)
print(q.qsize(), q.get(), q.get_nowait(), q.empty())
lifo = queue.LifoQueue()
for c in "abc":
    lifo.put(c)
print([lifo.get() for _ in range(3)])
pq = queue.PriorityQueue()
for item in [(3, "c"), (1, "a"), (2, "b")]:
    pq.put(item)
print([pq.get()[1] for _ in range(3)])
try:
    queue.Queue().get_nowait()
except queue.Empty:
    print("empty queue")
