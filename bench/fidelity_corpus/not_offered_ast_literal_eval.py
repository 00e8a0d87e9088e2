import ast

text = "{'a': [1, 2, (3, 4)], 'b': None}"
value = ast.literal_eval(text)
print(value, type(value["a"][2]).__name__)
