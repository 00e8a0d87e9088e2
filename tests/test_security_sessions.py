"""One selector subscription per session, released on close (F17).

``code_mode_with_skills(code_mode=shared)`` used to subscribe a new selector to the
shared code mode's events on every request and never release it: about 1.76 MB per
request with 300 skills, for good.
"""

from __future__ import annotations

import gc
import hashlib
import weakref
from collections.abc import Sequence

import numpy as np

from codemode_skills import code_mode_with_skills, create_code_mode
from codemode_skills.selection import SkillSelector
from codemode_skills.storage import MemorySkillStorage


class HashEmbedder:
    """A deterministic stand-in: these tests are about subscriptions, not similarity."""

    name = "hash-test"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        rows = [np.frombuffer(hashlib.sha256(t.encode()).digest(), dtype=np.uint8) for t in texts]
        matrix = np.asarray(rows, dtype=np.float32) + 1.0
        return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


async def test_sessions_on_a_shared_code_mode_do_not_pile_up_selectors() -> None:
    cm = create_code_mode([])
    storage = MemorySkillStorage(tenant="acme")
    baseline = len(cm.events._callbacks)
    selectors = []
    for _ in range(30):
        session = await code_mode_with_skills(
            code_mode=cm, storage=storage, embedder=HashEmbedder(), messages="hello"
        )
        assert len(cm.events._callbacks) == baseline + 1  # this session's own
        selectors.append(weakref.ref(session.selector))
        await session.close()
        assert len(cm.events._callbacks) == baseline
        del session
    gc.collect()
    assert all(ref() is None for ref in selectors), "closed sessions' selectors are kept"
    assert not cm.events.active
    await cm.close()


async def test_a_reused_selector_is_subscribed_once() -> None:
    cm = create_code_mode([])
    storage = MemorySkillStorage(tenant="acme")
    selector = SkillSelector(storage, HashEmbedder())
    baseline = len(cm.events._callbacks)
    for _ in range(20):
        session = await code_mode_with_skills(
            code_mode=cm, storage=storage, selector=selector, messages="hello"
        )
        await session.close()
    assert len(cm.events._callbacks) == baseline + 1
    # the subscription still works: a skill change invalidates the selector's index
    selector._synced_at = 0.0
    cm.events.emit("skill:registered", tenant="acme", name="x")
    assert selector._synced_at < 0
    await cm.close()
