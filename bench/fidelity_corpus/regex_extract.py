import re

log = """2024-03-01 ERROR disk full on /dev/sda1
2024-03-01 INFO rotated logs
2024-03-02 ERROR timeout after 30s (service=api)
2024-03-03 WARN slow query 1200ms"""
errors = re.findall(r"^(\d{4}-\d\d-\d\d) ERROR (.+)$", log, flags=re.M)
print(errors)
pattern = re.compile(r"(?P<date>\S+) (?P<level>[A-Z]+) (?P<msg>.*)")
for line in log.splitlines():
    m = pattern.match(line)
    print(m.group("level"), m["date"], len(m.group("msg")), m.span("level"))
print(re.search(r"(\d+)ms", log).group(1), re.search(r"nothing", log))
print([m.groupdict() for m in re.finditer(r"(?P<key>\w+)=(?P<val>\w+)", log)])
