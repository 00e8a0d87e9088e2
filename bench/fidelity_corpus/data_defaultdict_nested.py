from collections import defaultdict

edges = [("a", "b"), ("a", "c"), ("b", "c"), ("c", "a"), ("d", "a")]
graph = defaultdict(list)
indegree = defaultdict(int)
for src, dst in edges:
    graph[src].append(dst)
    indegree[dst] += 1
print(dict(graph))
print(dict(indegree))
print(graph["zzz"], "zzz" in graph)
tree = defaultdict(lambda: defaultdict(int))
tree["x"]["y"] += 2
print({k: dict(v) for k, v in tree.items()})
