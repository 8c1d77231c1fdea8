"""The JSON contracts in docs/contracts/ as validators (importable as `contract_schemas`).

    from contract_schemas import assert_valid
    assert_valid("plan", json.loads(stdout))      # plan | check | doctor | verify | performance

Schemas refer to each other by their $id (https://vllm-wizard.invalid/contracts/<name>.schema.json);
the registry here holds every file, so `check` extends `plan` and `plan` embeds `performance`.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

CONTRACTS = Path(__file__).resolve().parents[1] / "docs" / "contracts"


def schema(name: str) -> dict[str, Any]:
    return json.loads((CONTRACTS / f"{name}.schema.json").read_text(encoding="utf-8"))


def names() -> list[str]:
    return sorted(p.name.removesuffix(".schema.json") for p in CONTRACTS.glob("*.schema.json"))


@cache
def registry() -> Registry:
    resources = [(schema(n)["$id"], Resource.from_contents(schema(n))) for n in names()]
    return Registry().with_resources(resources)


@cache
def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(schema(name), registry=registry())


def errors(name: str, data: Any) -> list[str]:
    """Every violation, as 'path: message' (empty when `data` keeps the contract)."""
    found = sorted(validator(name).iter_errors(data), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in found]


def assert_valid(name: str, data: Any) -> None:
    problems = errors(name, data)
    assert not problems, "\n".join(problems[:10])
