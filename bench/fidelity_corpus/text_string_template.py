from string import Template, ascii_lowercase, capwords, digits

t = Template("Hello $name, you owe $$${amount}")
print(t.substitute(name="Ada", amount="12.50"))
print(t.safe_substitute(name="Bob"))
try:
    t.substitute(name="Cy")
except KeyError as exc:
    print("KeyError:", exc)
print(capwords("the quick  brown fox"), ascii_lowercase[:5], digits)
