name = "world"
f"hello {name}, {len(name)} letters"
