"""Selection: from a request to the few skills worth showing the model.

Offline: the bundled all-MiniLM-L6-v2 embeddings, a memory store, and a scripted
"cheap model" standing in for the picker.
"""

from __future__ import annotations

import asyncio

from codemode_skills.models import ScriptedModel
from codemode_skills.selection import SentenceTransformerEmbedder, SkillSelector
from codemode_skills.skills import Caller, SkillSpec
from codemode_skills.storage import MemorySkillStorage
from codemode_skills.trust import TrustLevel

LIBRARY = {
    "get_weather": "Current weather and forecast for a city",
    "send_email": "Send an email message to a recipient",
    "convert_currency": "Convert an amount of money from one currency to another",
    "book_flight": "Book a flight ticket between two airports",
    "summarize_text": "Summarize a long document into a few sentences",
    "translate_text": "Translate text into another language",
}


async def main() -> None:
    storage = MemorySkillStorage("acme")
    for name, description in LIBRARY.items():
        storage.create(SkillSpec(name=name, description=description, code="return None"))
    storage.set_state("send_email", trust=TrustLevel.TRUSTED)

    selector = SkillSelector(storage, SentenceTransformerEmbedder(), max_skills=3)
    request = "Book me a flight to Lima, then email the itinerary to my boss"
    for c in await selector.retrieve(request, k=4):
        print(f"  candidate {c.name:18} {c.score:.3f}")
    selection = await selector.select(request)
    print("retrieval picks:", [s.name for s in selection.skills])

    # an unattended caller (a nightly job) is only offered skills proven enough to run
    nightly = Caller(unattended=True)
    print("unattended:", [c.name for c in await selector.retrieve(request, context=nightly)])

    # a cheap model picks among the candidates; a bad answer falls back to retrieval
    picker = ScriptedModel(['{"skills": ["book_flight", "send_email"]}', "no idea, sorry"])
    selector = SkillSelector(storage, SentenceTransformerEmbedder(), cheap_model=picker)
    picked = await selector.select(request)
    print("model picks:", [s.name for s in picked.skills], f"({picked.picked_by})")
    fallback = await selector.select("what will the weather be in Oslo?")
    names = [s.name for s in fallback.skills]
    print("fallback:", names, f"({fallback.picked_by}: {fallback.note})")


if __name__ == "__main__":
    asyncio.run(main())
