PREFIX = "item"
SIZES = ["s", "m", "l"]


class Catalog:
    prefix = PREFIX
    sizes = list(SIZES)
    default = SIZES[0]
    labels = {size: f"{PREFIX}-{size}" for size in SIZES}

    def label(self, size):
        return f"{self.prefix}:{size}:{PREFIX.upper()}"


print(Catalog.prefix, Catalog.sizes, Catalog.default, Catalog.labels)
print(Catalog().label("m"))
