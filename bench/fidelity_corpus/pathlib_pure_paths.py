from pathlib import PurePosixPath

p = PurePosixPath("/data/reports/2024/summary.final.csv")
print(p.name, p.stem, p.suffix, p.suffixes, p.parent, p.parts[:3])
print(p.with_suffix(".json"), p.with_name("other.txt"), p.relative_to("/data"))
print(PurePosixPath("a") / "b" / "c.txt", p.match("*.csv"), p.is_absolute())
print(sorted(str(x) for x in p.parents)[:2], PurePosixPath("x/../y").parts)
