from graphlib import CycleError, TopologicalSorter

deps = {"app": {"lib", "config"}, "lib": {"core"}, "config": {"core"}, "core": set()}
order = list(TopologicalSorter(deps).static_order())
print(order[0], order[-1], len(order))
ts = TopologicalSorter({"b": {"a"}, "c": {"a"}})
ts.prepare()
print(sorted(ts.get_ready()))
try:
    list(TopologicalSorter({"x": {"y"}, "y": {"x"}}).static_order())
except CycleError as exc:
    print("CycleError:", exc.args[0])
