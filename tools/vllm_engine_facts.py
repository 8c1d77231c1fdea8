#!/usr/bin/env python3
"""Check wizard/releases/engine.py against vLLM's released source (maintenance; not shipped).

    python tools/vllm_engine_facts.py WHEEL [WHEEL ...]

For each wheel (`pip download vllm==X --no-deps --only-binary :all: -d DIR`): the generative
architectures whose model class is `SupportsV0Only` (read with `ast` from vllm/model_executor/models/,
following base classes, mapped through the registry), compared with `v0_only_architectures` for
that release, and the body of `EngineArgs._is_v1_supported_oracle` printed for reading. vLLM is
never imported and none of its code is copied. Exit status 1 when a set differs.
"""

from __future__ import annotations

import ast
import re
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from wizard.releases.engine import v0_only_architectures  # noqa: E402
from wizard.releases.facts import version_key  # noqa: E402

_REGISTRY = re.compile(r'"(\w+)": \("\w+", "(\w+)"\)')
_NOT_GENERATIVE = ("Model", "Embedding", "Reward", "Classification", "MaskedLM", "MAE", "GritLM")


def v0_only(wheel: zipfile.ZipFile) -> set[str]:
    bases: dict[str, list[str]] = {}
    for name in wheel.namelist():
        if name.startswith("vllm/model_executor/models/") and name.endswith(".py"):
            try:
                tree = ast.parse(wheel.read(name))
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef):
                    bases[node.name] = [b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases]

    def is_v0(cls: str, seen: tuple[str, ...] = ()) -> bool:
        if cls == "SupportsV0Only":
            return True
        return cls in bases and cls not in seen and any(is_v0(b, (*seen, cls)) for b in bases[cls])

    registry = wheel.read("vllm/model_executor/models/registry.py").decode()
    return {arch for arch, cls in _REGISTRY.findall(registry)
            if is_v0(cls) and not arch.endswith(_NOT_GENERATIVE)}


def oracle_source(wheel: zipfile.ZipFile) -> str:
    src = wheel.read("vllm/engine/arg_utils.py").decode()
    start = src.find("def _is_v1_supported_oracle")
    return "" if start < 0 else src[start: src.find("\n    def ", start + 10)]


def main(argv: list[str]) -> int:
    differs = 0
    for path in argv:
        version = Path(path).name.split("-")[1]
        key = version_key(version)[:3]
        with zipfile.ZipFile(path) as wheel:
            found = v0_only(wheel)
            known = {a for a in v0_only_architectures(key) if not a.endswith(_NOT_GENERATIVE)}
            print(f"== {version}: {len(found)} V0-only generative architectures")
            if found != known:
                differs += 1
                print(f"   only in the wheel: {sorted(found - known)}\n   only in engine.py: {sorted(known - found)}")
            print(oracle_source(wheel) or "   (no _is_v1_supported_oracle: V0 only, or V0 removed)")
    return 1 if differs else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
