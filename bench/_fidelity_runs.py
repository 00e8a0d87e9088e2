"""The corpus and its two runs for ``bench/fidelity.py`` (and tests/test_fidelity_corpus.py):
CPython (the reference) and the sandbox. Outcomes come back in one shape on both sides,
which ``_fidelity_causes.classify`` compares."""

from __future__ import annotations

import ast
import asyncio
import json
import random
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _fidelity_causes import classify

from codemode_skills import InProcessDriver, SubprocessDriver, create_code_mode
from codemode_skills.sandbox.result import split_logs

try:  # the sandbox hides host paths in messages; the reference's get the same rule
    from codemode_skills.sandbox.jail.runtime import scrub
except ImportError:  # pragma: no cover - an older tree

    def scrub(message: str, limit: int = 2_000) -> str:
        return message


HERE = Path(__file__).resolve().parent
CORPUS = HERE / "fidelity_corpus"
OWN = "own corpus"
QUICK_SAMPLE = 150
SEED = 16  # the sample of --quick (issue #16)

Outcome = dict[str, Any]


@dataclass(frozen=True)
class Program:
    name: str
    source: str  # which part of the corpus
    code: str


def own_programs() -> list[Program]:
    return [
        Program(f"own:{path.stem}", OWN, path.read_text(encoding="utf-8"))
        for path in sorted(CORPUS.glob("*.py"))
    ]


def doctest_programs(workdir: Path) -> list[Program]:
    """CPython's doctests as programs, built by a child (it imports and runs them)."""
    done = subprocess.run(
        [sys.executable, "-I", str(HERE / "_fidelity_doctests.py")],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=True,
    )
    return [Program(p["name"], p["source"], p["code"]) for p in json.loads(done.stdout)]


def corpus(workdir: Path, quick: bool) -> list[Program]:
    """Every program, sorted by name; ``quick``: a fixed sample of them."""
    programs = sorted([*own_programs(), *doctest_programs(workdir)], key=lambda p: p.name)
    if quick and len(programs) > QUICK_SAMPLE:
        chosen = random.Random(SEED).sample(programs, QUICK_SAMPLE)
        programs = sorted(chosen, key=lambda p: p.name)
    return programs


def _reference_outcome(raw: dict[str, Any]) -> Outcome:
    error = raw.get("error")
    if error is not None:
        error = {**error, "message": scrub(error["message"])}
    value = raw.get("value")
    return {
        "output": split_logs([raw.get("output", "")]),
        "error": error,
        "value": None if value is None else json.loads(value),
    }


async def reference(
    programs: list[Program], seed: int, timeout: float, workdir: Path
) -> dict[str, Outcome]:
    """One CPython run of every program, under ``PYTHONHASHSEED=seed``."""
    isolate = ["-P", "-s"] if sys.version_info >= (3, 11) else ["-s"]  # -P: 3.11 and later
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *isolate,
        str(HERE / "_fidelity_reference.py"),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        cwd=workdir,
        env={"PYTHONHASHSEED": str(seed)},
    )
    request = {"timeout": timeout, "programs": [{"name": p.name, "code": p.code} for p in programs]}
    out, _ = await process.communicate(json.dumps(request).encode())
    outcomes: dict[str, Outcome] = {}
    for line in out.decode().splitlines():
        raw = json.loads(line)
        outcomes[raw["name"]] = _reference_outcome(raw)
    return outcomes


def with_return(code: str) -> str:
    """``code`` with its last statement, an expression, made ``return <expr>`` in place
    (same lines): how the sandbox's program form gives back a value."""
    last = ast.parse(code).body[-1]
    lines = code.splitlines(keepends=True)
    line = lines[last.lineno - 1].encode()
    col = last.col_offset  # in UTF-8 bytes
    lines[last.lineno - 1] = (line[:col] + b"return " + line[col:]).decode()
    return "".join(lines)


async def sandbox(
    programs: list[Program],
    values: dict[str, bool],
    driver_name: str,
    jobs: int,
    timeout: float,
) -> dict[str, Outcome]:
    """One sandbox run of every program; ``values[name]``: compare its last value."""
    driver = SubprocessDriver(pool_size=jobs) if driver_name == "subprocess" else InProcessDriver()
    outcomes: dict[str, Outcome] = {}
    gate = asyncio.Semaphore(jobs)
    async with create_code_mode([], driver=driver, timeout_s=timeout) as cm:

        async def one(program: Program) -> None:
            code = with_return(program.code) if values.get(program.name) else program.code
            async with gate:
                result = await cm.execute(code)
            error = result.error.model_dump() if result.error is not None else None
            outcomes[program.name] = {"output": result.logs, "error": error, "value": result.result}

        await asyncio.gather(*(one(p) for p in programs))
    return outcomes


@dataclass
class Measurement:
    """What one measurement compared, dropped and found."""

    compared: list[Program]
    unstable: list[Program]  # the outcome changed with the hash seed
    failed: list[Program]  # CPython ran out of time or memory
    refs: dict[str, Outcome] = field(default_factory=dict)
    got: dict[str, Outcome] = field(default_factory=dict)
    causes: dict[str, str | None] = field(default_factory=dict)

    @property
    def values(self) -> int:
        """How many programs had a final value to compare."""
        return sum(self.refs[p.name]["value"] is not None for p in self.compared)


async def measure(
    programs: list[Program],
    *,
    seeds: tuple[int, ...],
    driver: str,
    jobs: int,
    timeout: float,
    workdir: Path,
    allowed: frozenset[str],
) -> Measurement:
    """Run ``programs`` under CPython once per seed, keep the stable ones, run those in
    the sandbox and classify every difference."""
    runs = await asyncio.gather(*(reference(programs, s, timeout, workdir) for s in seeds))
    found = Measurement([], [], [], refs=runs[0])
    for program in programs:
        first = runs[0][program.name]
        if any(run[program.name] != first for run in runs[1:]):
            found.unstable.append(program)
        elif first["error"] and first["error"]["type"].startswith("Reference"):
            found.failed.append(program)
        else:
            found.compared.append(program)
    values = {p.name: found.refs[p.name]["value"] is not None for p in found.compared}
    found.got = await sandbox(found.compared, values, driver, jobs, timeout)
    found.causes = {
        p.name: classify(p.code, found.refs[p.name], found.got[p.name], allowed)
        for p in found.compared
    }
    return found
