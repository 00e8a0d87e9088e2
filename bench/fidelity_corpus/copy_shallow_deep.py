import copy

original = {"name": "cfg", "items": [1, [2, 3]], "meta": {"v": 1}}
shallow = copy.copy(original)
deep = copy.deepcopy(original)
original["items"][1].append(4)
original["meta"]["v"] = 2
print(shallow["items"], shallow["meta"])
print(deep["items"], deep["meta"])


class Node:
    def __init__(self, value):
        self.value = value
        self.children = []


root = Node(1)
root.children.append(Node(2))
root.children.append(root)
clone = copy.deepcopy(root)
print(clone.children[1] is clone, clone.children[0].value, clone is not root)
