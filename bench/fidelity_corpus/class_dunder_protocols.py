class Playlist:
    def __init__(self, name, songs=()):
        self.name = name
        self.songs = list(songs)

    def __repr__(self):
        return f"Playlist({self.name!r}, {len(self)} songs)"

    def __str__(self):
        return f"<{self.name}>"

    def __len__(self):
        return len(self.songs)

    def __iter__(self):
        return iter(self.songs)

    def __contains__(self, song):
        return song in self.songs

    def __getitem__(self, index):
        return self.songs[index]

    def __eq__(self, other):
        return isinstance(other, Playlist) and self.songs == other.songs

    def __hash__(self):
        return hash(tuple(self.songs))

    def __bool__(self):
        return bool(self.songs)


p = Playlist("road", ["a", "b", "c"])
print(repr(p), str(p), len(p), list(p), "b" in p, p[1:], p[-1])
print(p == Playlist("other", ["a", "b", "c"]), bool(Playlist("empty")))
print([p], f"{p}", f"{p!r}", len({p, Playlist("x", ["a", "b", "c"])}))
