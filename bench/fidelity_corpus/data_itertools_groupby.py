from itertools import groupby
from operator import itemgetter

events = [
    ("mon", "login"),
    ("mon", "upload"),
    ("tue", "login"),
    ("wed", "login"),
    ("wed", "logout"),
    ("wed", "login"),
]
for day, group in groupby(events, key=itemgetter(0)):
    actions = [a for _, a in group]
    print(day, len(actions), actions)
print([(k, len(list(g))) for k, g in groupby("aaabccdddd")])
