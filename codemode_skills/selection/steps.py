"""Split a request into the steps it asks for, so each step can find its own skill.

One embedding of "find flights to Oslo, then book the cheapest and email me the receipt"
sits between three skills and may rank none of them well; retrieving per step and
merging the rankings finds all three. The splitter is deliberately simple and
predictable: sentence ends, and connectors between clauses that each have a verb-sized
amount of text (a cheap model can split better; this works without one).
"""

from __future__ import annotations

import re

_SENTENCES = re.compile(r"(?<=[.!?;])\s+|\n+")
_CONNECTORS = re.compile(
    r",?\s+(?:and\s+then|and\s+also|after\s+that|afterwards|as\s+well\s+as|then|also|"
    r"and|plus)\s+|,\s+",
    re.IGNORECASE,
)
MIN_WORDS = 3


def _clauses(sentence: str) -> list[str]:
    """Clauses of a sentence; a fragment too short to be a step stays with its neighbour
    (as written: "salt and pepper" is one step)."""
    spans, start = [], 0
    for match in _CONNECTORS.finditer(sentence):
        spans.append((start, match.start(), match.end()))
        start = match.end()
    spans.append((start, len(sentence), len(sentence)))
    clauses: list[tuple[int, int]] = []  # (start, end) in the sentence
    for begin, end, _ in spans:
        piece = sentence[begin:end].strip()
        if not piece:
            continue
        if clauses and (
            len(piece.split()) < MIN_WORDS
            or len(sentence[clauses[-1][0] : clauses[-1][1]].split()) < MIN_WORDS
        ):
            clauses[-1] = (clauses[-1][0], end)
        else:
            clauses.append((begin, end))
    return [sentence[b:e].strip() for b, e in clauses]


def split_steps(request: str, *, max_steps: int = 6) -> list[str]:
    """The request's parts, in order (the request itself when it has one part)."""
    parts: list[str] = []
    for sentence in _SENTENCES.split(request.strip()):
        if sentence.strip():
            parts += _clauses(sentence.strip())
    parts = [p for p in parts if len(p.split()) >= MIN_WORDS] or [request.strip()]
    if len(parts) > max_steps:  # keep the count bounded: fold the tail into the last step
        parts = [*parts[: max_steps - 1], " ".join(parts[max_steps - 1 :])]
    return parts
