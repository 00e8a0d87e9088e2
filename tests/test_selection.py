"""Selection: the index, hybrid retrieval, stored vectors, the cheap-model picker."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator, Sequence
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import numpy as np
import pytest

from codemode_skills.models import ModelResponse, ScriptedModel
from codemode_skills.records import create_skill
from codemode_skills.selection import (
    OpenAIEmbedder,
    SentenceTransformerEmbedder,
    SkillIndex,
    SkillSelector,
    split_steps,
)
from codemode_skills.selection.index import top_k
from codemode_skills.skills import Caller, SkillSpec, SkillStatus
from codemode_skills.storage import MemorySkillStorage
from codemode_skills.storage.text import InvertedIndex, query_terms
from codemode_skills.trust import TrustLevel

LIBRARY = {
    "get_weather": "Current weather and forecast for a city",
    "send_email": "Send an email message to a recipient",
    "convert_currency": "Convert an amount of money from one currency to another",
    "book_flight": "Book a flight ticket between two airports",
    "summarize_text": "Summarize a long document into a few sentences",
    "translate_text": "Translate text into another language",
}


class CountingEmbedder:
    """The real model, counting the texts it is asked to embed."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.texts: list[str] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.texts += list(texts)
        return self.inner.embed(texts)


@pytest.fixture(scope="session")
def minilm() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder()


@pytest.fixture
def store() -> MemorySkillStorage:
    storage = MemorySkillStorage("acme")
    for name, description in LIBRARY.items():
        storage.create(SkillSpec(name=name, description=description, code="return None"))
    return storage


def skill(name: str, description: str = "d") -> Any:
    spec = SkillSpec(name=name, description=description, code="return 1")
    return create_skill(spec, tenant="t", author=None, trust=TrustLevel.UNTRUSTED)


# -- the index --------------------------------------------------------------------------------


def test_index_upsert_remove_keeps_rows_consistent() -> None:
    index = SkillIndex()
    rng = np.random.default_rng(0)
    vectors = {}
    for i in range(40):
        v = rng.normal(size=8).astype(np.float32)
        vectors[f"s{i}"] = v / np.linalg.norm(v)
        index.upsert(skill(f"s{i}", f"word{i % 7} common"), vectors[f"s{i}"])
    for i in range(0, 40, 3):
        index.remove(f"s{i}")
    assert len(index) == 40 - 14
    for name, row in index.rows.items():
        assert index.names[row] == name
        assert np.allclose(index.matrix[row], vectors[name])
    reference = InvertedIndex()
    for name in index.names:
        reference.put(name, index.skills[name])
    for query in ("word3", "common word5", "nothing"):
        expected = dict(reference.search(query_terms(query)))
        got = index.bm25(query)
        for name, row in index.rows.items():
            assert got[row] == pytest.approx(expected.get(name, 0.0), abs=1e-4), query


def test_top_k_masks_and_orders() -> None:
    scores = np.array([0.1, 0.9, 0.5, 0.7], dtype=np.float32)
    assert top_k(scores, 2).tolist() == [1, 3]
    keep = np.array([True, False, True, True])
    assert top_k(scores, 3, keep).tolist() == [3, 2, 0]
    assert top_k(scores, 10, np.array([False] * 4)).tolist() == []


def test_split_steps() -> None:
    assert split_steps("find flights to Oslo, then book the cheapest and email me the receipt") == [
        "find flights to Oslo",
        "book the cheapest",
        "email me the receipt",
    ]
    assert split_steps("Can you get me salt and pepper") == ["Can you get me salt and pepper"]
    assert len(split_steps(". ".join(f"step number {i} here" for i in range(10)))) == 6


# -- retrieval with the real model -----------------------------------------------------------


async def test_retrieval_is_semantic(store: MemorySkillStorage, minilm: Any) -> None:
    selector = SkillSelector(store, minilm)
    cases = {
        "will it rain in Oslo tomorrow?": "get_weather",
        "how many euros is 30 dollars": "convert_currency",
        "shorten this long article to a few lines": "summarize_text",
    }
    for query, expected in cases.items():
        found = await selector.retrieve(query, k=3)
        assert found[0].name == expected, (query, [c.name for c in found])


async def test_a_request_with_steps_finds_every_skill(
    store: MemorySkillStorage, minilm: Any
) -> None:
    selector = SkillSelector(store, minilm)
    found = await selector.retrieve(
        "book me a flight to Lima, then email the itinerary to my boss and convert the price "
        "to euros",
        k=3,
    )
    assert {c.name for c in found} == {"book_flight", "send_email", "convert_currency"}


async def test_vectors_are_stored_and_reused(minilm: Any, subprocess_driver: Any) -> None:
    from codemode_skills import create_code_mode
    from codemode_skills.skills import SkillManager

    storage = MemorySkillStorage("acme")
    counting = CountingEmbedder(minilm)
    cm = create_code_mode([], driver=subprocess_driver)
    manager = SkillManager(storage, cm)
    follower = SkillSelector(storage, counting)  # embeds a skill when it changes
    follower.follow(manager.events)
    other_tenant = SkillManager(storage.for_tenant("globex"), cm)
    await other_tenant.register({"name": "payroll", "description": "Payroll", "code": "return 1"})
    await manager.register(
        {"name": "get_weather", "description": LIBRARY["get_weather"], "code": "return 1"}
    )
    await follower.refresh(force=True)  # waits for the embedding the event started
    assert list(storage.embeddings(minilm.name)) == ["get_weather"]
    assert len(counting.texts) == 1  # another tenant's skill is not this selector's
    selector_embedder = CountingEmbedder(minilm)
    selector = SkillSelector(storage, selector_embedder)
    await selector.retrieve("forecast for Paris")
    assert selector_embedder.texts == ["forecast for Paris"]  # the library was not embedded
    await manager.update("get_weather", {"description": "Weather forecast for any city"})
    await follower.refresh(force=True)
    assert len(counting.texts) == 2  # the changed text was embedded once, at the update
    selector.invalidate()
    await selector.retrieve("forecast for Paris")
    assert selector_embedder.texts == ["forecast for Paris"] * 2  # the stored vector served
    cm.events.close()


async def test_a_tenant_never_sees_another_tenants_skills(minilm: Any) -> None:
    acme = MemorySkillStorage("acme")
    globex = acme.for_tenant("globex")
    acme.create(SkillSpec(name="payroll_export", description="Export the payroll", code="return 1"))
    globex.create(SkillSpec(name="get_weather", description="Weather", code="return 1"))
    found = await SkillSelector(globex, minilm).retrieve("export the payroll", k=10)
    assert [c.name for c in found] == ["get_weather"]


async def test_status_and_trust_filter_candidates(store: MemorySkillStorage, minilm: Any) -> None:
    store.set_state("get_weather", status=SkillStatus.DEPRECATED)
    store.set_state("send_email", trust=TrustLevel.PROVISIONAL)
    selector = SkillSelector(store, minilm)
    names = [c.name for c in await selector.retrieve("weather and email", k=10)]
    assert "get_weather" not in names and "send_email" in names
    robot = Caller(unattended=True)
    robot_names = [c.name for c in await selector.retrieve("weather and email", context=robot)]
    assert robot_names == ["send_email"]  # the only skill proven enough to run unattended
    store.delete("send_email")
    selector.invalidate()
    assert "send_email" not in [c.name for c in await selector.retrieve("email", k=10)]


# -- the picker ---------------------------------------------------------------------------------


async def test_picker_uses_the_cheap_models_answer(store: MemorySkillStorage, minilm: Any) -> None:
    model = ScriptedModel(['{"skills": ["send_email", "get_weather"]}'])
    selector = SkillSelector(store, minilm, cheap_model=model, candidates=4, max_skills=2)
    selection = await selector.select("email Ana the weather in Rome")
    assert [s.name for s in selection.skills] == ["send_email", "get_weather"]
    assert selection.picked_by == "model" and len(selection.candidates) == 4
    call = model.calls[0]
    assert set(call["response_schema"]["properties"]["skills"]["items"]["enum"]) == {
        c.name for c in selection.candidates
    }
    assert "email Ana" in call["messages"][-1].content
    again = await selector.select("email Ana the weather in Rome")  # the same turn: cached
    assert again.cached and model.remaining == 0 and len(model.calls) == 1


@pytest.mark.parametrize(
    ("answer", "note"),
    [
        ('{"skills": ["send_email", "rm_rf", 5]}', "not a JSON list"),
        ("I think send_email", "not a JSON list"),
        (RuntimeError("overloaded"), "failed: RuntimeError"),
    ],
)
async def test_a_bad_answer_falls_back_to_retrieval(
    store: MemorySkillStorage, minilm: Any, answer: Any, note: str
) -> None:
    selector = SkillSelector(store, minilm, cheap_model=ScriptedModel([answer]), max_skills=3)
    selection = await selector.select("send an email")
    assert selection.picked_by == "retrieval" and note in (selection.note or "")
    assert [s.name for s in selection.skills] == [c.name for c in selection.candidates[:3]]


async def test_unknown_names_are_dropped(store: MemorySkillStorage, minilm: Any) -> None:
    model = ScriptedModel(['```json\n{"skills": ["delete_everything", "send_email"]}\n```'])
    selection = await SkillSelector(store, minilm, cheap_model=model).select("send an email")
    assert [s.name for s in selection.skills] == ["send_email"]
    assert "delete_everything" in (selection.note or "")


async def test_a_slow_cheap_model_is_cut_off(store: MemorySkillStorage, minilm: Any) -> None:
    model = ScriptedModel(['{"skills": ["send_email"]}'], delay_s=120)
    selector = SkillSelector(store, minilm, cheap_model=model, time_budget_s=0.2)
    started = asyncio.get_running_loop().time()
    selection = await selector.select("send an email")
    # not waited for: far under the model's 120 s, with room for retrieval on a busy machine
    assert asyncio.get_running_loop().time() - started < 30
    assert selection.picked_by == "retrieval" and "took over" in (selection.note or "")
    assert selection.skills


async def test_without_a_cheap_model_retrieval_decides(
    store: MemorySkillStorage, minilm: Any
) -> None:
    selection = await SkillSelector(store, minilm, max_skills=2).select("translate this")
    assert selection.picked_by == "retrieval" and selection.skills[0].name == "translate_text"
    assert len(selection.skills) == 2


# -- OpenAI-compatible embeddings ---------------------------------------------------------------


@pytest.fixture
def embeddings_server() -> Iterator[str]:
    """A local server speaking the OpenAI embeddings wire format."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            texts = body["input"]
            data = [
                {"object": "embedding", "index": i, "embedding": [float(len(t)), 1.0, 0.0]}
                for i, t in reversed(list(enumerate(texts)))  # out of order on purpose
            ]
            payload = json.dumps(
                {
                    "object": "list",
                    "data": data,
                    "model": body["model"],
                    "usage": {"prompt_tokens": 1, "total_tokens": 1},
                }
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/v1"
    server.shutdown()


def test_openai_embedder_against_a_compatible_server(embeddings_server: str) -> None:
    embedder = OpenAIEmbedder("local-embed", base_url=embeddings_server, api_key="k", batch_size=2)
    vectors = embedder.embed(["a", "bbb", "cc"])
    assert vectors.shape == (3, 3)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    expected = np.array([[1, 1, 0], [3, 1, 0], [2, 1, 0]], dtype=np.float32)
    assert np.allclose(vectors, expected / np.linalg.norm(expected, axis=1, keepdims=True))
    assert embedder.name == "local-embed"
    assert isinstance(ModelResponse(text="x"), ModelResponse)
