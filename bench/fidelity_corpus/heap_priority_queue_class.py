import heapq
import itertools


class TaskQueue:
    def __init__(self):
        self.heap = []
        self.counter = itertools.count()

    def push(self, task, priority=0):
        heapq.heappush(self.heap, (priority, next(self.counter), task))

    def pop(self):
        priority, _, task = heapq.heappop(self.heap)
        return task, priority

    def __len__(self):
        return len(self.heap)


q = TaskQueue()
for task, prio in [("write", 2), ("test", 1), ("deploy", 3), ("lint", 1)]:
    q.push(task, prio)
while q:
    print(*q.pop())
try:
    q.pop()
except IndexError as exc:
    print("IndexError:", exc)
