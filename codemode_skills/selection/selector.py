"""``SkillSelector``: per request, the few skills worth exposing to the main model.

Stage 1 ranks the tenant's skills (hybrid retrieval over an in-memory index kept in step
with storage); stage 2, when a cheap model is configured, shows it the recent
conversation and only the top candidates and asks for a JSON list of names. Unknown names
are dropped; a failing, malformed or slow answer falls back to the retrieval ranking
within ``time_budget_s``. Only skills the trust policy lets this caller run, and that are
active (or pending review), are ever candidates. Selections are cached per turn.

A selector that ``follow``s a code mode's events embeds a skill when it is registered or
changed (on a thread), so a request only ever embeds its query.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel

from ..errors import SkillNotFound
from ..events import Event, EventHub, EventType
from ..models.base import Message, Model
from ..records import Skill, SkillStatus, TrustLevel
from ..skills import Caller
from ..storage.base import SEARCHABLE, SkillStorage
from ..trust.policy import TrustPolicy
from .embedder import Embedder, SentenceTransformerEmbedder
from .index import SkillIndex
from .retrieval import HybridWeights, Mode, plan_queries, rank
from .vectors import ensure_vectors

_log = logging.getLogger(__name__)

PICKER_PROMPT = """You pick the saved skills an assistant will need for the user's latest \
request. Candidates (name: description):
{candidates}

Answer with JSON {{"skills": [names]}}: at most {max_skills} names from the list, most useful \
first; an empty list if none helps."""


class Candidate(BaseModel):
    name: str
    score: float
    skill: Skill


class Selection(BaseModel):
    skills: list[Skill]
    candidates: list[Candidate]
    picked_by: Literal["model", "retrieval"]
    note: str | None = None  # why the model's answer was not used, when it was not
    duration_ms: float = 0.0
    cached: bool = False


class SkillSelector:
    def __init__(
        self,
        storage: SkillStorage,
        embedder: Embedder | None = None,
        *,
        cheap_model: Model | None = None,
        candidates: int = 20,
        max_skills: int = 5,
        time_budget_s: float = 3.0,
        mode: Mode = "hybrid",
        policy: TrustPolicy | None = None,
        split_steps: bool = True,
        refresh_s: float = 5.0,
        weights: HybridWeights = HybridWeights(),
        cache_size: int = 256,
    ) -> None:
        self.storage = storage
        self.embedder: Embedder = embedder or SentenceTransformerEmbedder()
        self.cheap_model = cheap_model
        self.candidates = candidates
        self.max_skills = max_skills
        self.time_budget_s = time_budget_s
        self.mode: Mode = mode
        self.policy = policy or TrustPolicy()
        self.split_steps = split_steps
        self.refresh_s = refresh_s
        self.weights = weights
        self.index = SkillIndex()
        self._synced_at = -1e9
        self._generation = 0
        self._lock = asyncio.Lock()
        self._cache: OrderedDict[str, Selection] = OrderedDict()
        self._cache_size = cache_size
        self._following: list[tuple[EventHub, Callable[[], None]]] = []
        self._embedding: set[asyncio.Task[None]] = set()

    # -- keeping the index in step with storage ---------------------------------------------
    def follow(self, events: EventHub) -> Callable[[], None]:
        """Refresh on the next request after any skill change announced on ``events``,
        and embed a skill of this store's tenant as soon as it is registered or updated.

        Subscribes once per hub however often it is called (a selector reused across
        requests on one code mode must not pile up subscriptions, each holding the
        selector: F17); returns the function that ends the subscription."""
        for hub, unsubscribe in self._following:
            if hub is events:
                return unsubscribe
        stop = events.subscribe(self._changed)

        def unsubscribe() -> None:
            stop()
            self._following[:] = [(h, u) for h, u in self._following if h is not events]

        self._following.append((events, unsubscribe))
        return unsubscribe

    def invalidate(self) -> None:
        self._synced_at = -1e9

    def _changed(self, event: Event) -> None:
        if not event.type.startswith("skill:"):
            return
        self.invalidate()
        if event.type not in (EventType.SKILL_REGISTERED, EventType.SKILL_UPDATED):
            return
        if event.data.get("tenant") != self.storage.tenant:
            return  # another tenant's manager on the same code mode
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # announced outside a loop: the next refresh embeds it
            return
        job = loop.create_task(asyncio.to_thread(self._embed_skill, event.data["name"]))
        self._embedding.add(job)
        job.add_done_callback(self._embedded)

    def _embed_skill(self, name: str) -> None:
        """Store the vector of skill ``name`` (on a thread: embedding takes milliseconds)."""
        try:
            skill = self.storage.get(name)
        except SkillNotFound:  # deleted meanwhile
            return
        ensure_vectors(self.storage, self.embedder, [skill])

    def _embedded(self, job: asyncio.Task[None]) -> None:
        self._embedding.discard(job)
        if not job.cancelled() and job.exception() is not None:  # the next refresh retries
            _log.warning("embedding a changed skill failed", exc_info=job.exception())

    def _sync(self) -> int:
        """Bring the index up to date with storage; returns how many skills changed."""
        skills = {s.name: s for s in self.storage.list()}
        changed = 0
        for name in [n for n in self.index.names if n not in skills]:
            self.index.remove(name)
            changed += 1
        stale = []
        for name, skill in skills.items():
            known = self.index.skills.get(name)
            if known is None or known.version != skill.version or known.id != skill.id:
                stale.append(skill)
            elif (known.status, known.trust) != (skill.status, skill.trust):
                self.index.set_state(skill)
                changed += 1
        if stale:
            vectors = ensure_vectors(self.storage, self.embedder, stale)
            for skill in stale:
                self.index.upsert(skill, vectors[skill.name])
            changed += len(stale)
        return changed

    async def refresh(self, *, force: bool = False) -> None:
        """Bring the index up to date (at most every ``refresh_s`` unless ``force``),
        after any embedding a followed change started."""
        if self._embedding:
            await asyncio.gather(*self._embedding, return_exceptions=True)
        async with self._lock:
            if not force and time.monotonic() - self._synced_at < self.refresh_s:
                return
            if await asyncio.to_thread(self._sync):
                self._generation += 1
            self._synced_at = time.monotonic()

    # -- stage 1 ---------------------------------------------------------------------------
    def allowed(self, context: Caller) -> tuple[frozenset[SkillStatus], set[TrustLevel]]:
        """Statuses and trust levels this caller may be offered: what the trust gate
        would let it run (``TrustPolicy.least_trust``)."""
        need = self.policy.least_trust(context)
        approved = self.policy.needs_approval(context)
        statuses = frozenset({SkillStatus.ACTIVE}) if approved else SEARCHABLE
        return statuses, {t for t in TrustLevel if t >= need}

    def _embed(self, texts: Sequence[str]) -> np.ndarray | None:
        return None if self.mode == "lexical" else self.embedder.embed(list(texts))

    async def retrieve(
        self, query: str, *, context: Caller | None = None, k: int | None = None
    ) -> list[Candidate]:
        """The top ``k`` (default ``candidates``) skills for ``query``."""
        await self.refresh()
        texts, steps = plan_queries(query, use_steps=self.split_steps)
        vectors = await asyncio.to_thread(self._embed, texts)
        return self.rank(query, vectors, steps, context=context, k=k)

    def rank(
        self,
        query: str,
        vectors: np.ndarray | None,
        steps: Sequence[str] = (),
        *,
        context: Caller | None = None,
        k: int | None = None,
    ) -> list[Candidate]:
        """Stage 1 on precomputed query vectors (what the latency benchmark times)."""
        status, trust = self.allowed(context or Caller())
        keep = self.index.mask(status, trust)
        ranked = rank(
            self.index,
            query,
            vectors,
            k=k or self.candidates,
            mode=self.mode,
            keep=keep,
            steps=steps,
            weights=self.weights,
        )
        return [Candidate(name=n, score=s, skill=self.index.skills[n]) for n, s in ranked]

    # -- stage 2 ---------------------------------------------------------------------------
    async def select(
        self, conversation: str | Sequence[Message], *, context: Caller | None = None
    ) -> Selection:
        started = time.perf_counter()
        messages = (
            [Message(role="user", content=conversation)]
            if isinstance(conversation, str)
            else list(conversation)
        )
        users = [m.content for m in messages if m.role == "user"]
        query = users[-1] if users else ""
        await self.refresh()
        ctx = context or Caller()
        key = self._key(messages, ctx)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key].model_copy(update={"cached": True})
        candidates = await self.retrieve(query, context=ctx) if query.strip() else []
        picked, by, note = await self.pick(messages, candidates)
        selection = Selection(
            skills=picked,
            candidates=candidates,
            picked_by=by,
            note=note,
            duration_ms=(time.perf_counter() - started) * 1000,
        )
        self._cache[key] = selection
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return selection

    def _key(self, messages: Sequence[Message], ctx: Caller) -> str:
        recent = [(m.role, m.content) for m in messages[-6:]]
        raw = json.dumps([self._generation, ctx.unattended, ctx.allow_untrusted, recent])
        return hashlib.sha256(raw.encode()).hexdigest()

    async def pick(
        self, messages: Sequence[Message], candidates: list[Candidate]
    ) -> tuple[list[Skill], Literal["model", "retrieval"], str | None]:
        """Stage 2 alone: (skills, who picked them, why the model was not used)."""
        fallback = [c.skill for c in candidates[: self.max_skills]]
        if self.cheap_model is None or not candidates:
            return fallback, "retrieval", None
        names = [c.name for c in candidates]
        schema = {
            "type": "object",
            "properties": {
                "skills": {
                    "type": "array",
                    "maxItems": self.max_skills,
                    "items": {"type": "string", "enum": names},
                }
            },
            "required": ["skills"],
        }
        system = PICKER_PROMPT.format(
            candidates="\n".join(f"- {c.name}: {c.skill.description}" for c in candidates),
            max_skills=self.max_skills,
        )
        recent = [m for m in messages if m.role in ("user", "assistant") and m.content][-6:]
        try:
            response = await asyncio.wait_for(
                self.cheap_model.complete(recent, system=system, response_schema=schema),
                self.time_budget_s,
            )
            answer = _parse_names(response.text)
        except asyncio.TimeoutError:
            return fallback, "retrieval", f"the cheap model took over {self.time_budget_s:g} s"
        except Exception as exc:  # a failing picker must never fail the request
            return fallback, "retrieval", f"the cheap model failed: {type(exc).__name__}: {exc}"
        if answer is None:
            return fallback, "retrieval", "the cheap model's answer was not a JSON list of names"
        by_name = {c.name: c.skill for c in candidates}
        picked = list(dict.fromkeys(n for n in answer if n in by_name))[: self.max_skills]
        dropped = [n for n in answer if n not in by_name]
        note = f"dropped unknown names: {', '.join(map(str, dropped))}" if dropped else None
        return [by_name[n] for n in picked], "model", note


def _parse_names(text: str) -> list[Any] | None:
    """``{"skills": [...]}`` or a bare ``[...]``, possibly inside a code fence."""
    text = text.strip()
    if text.startswith("```"):
        text = text.strip("`").removeprefix("json").strip()
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if isinstance(value, dict):
        value = value.get("skills")
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return None
    return value
