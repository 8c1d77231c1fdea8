"""wizard.frozen: the checked frozen dataclasses that carry facts between the core's layers."""

from __future__ import annotations

import json
from dataclasses import FrozenInstanceError, dataclass, field
from typing import Literal

import pytest

from wizard.frozen import Frozen


@dataclass(frozen=True, kw_only=True)
class Inner(Frozen):
    size: int
    ratio: float = 1.0


@dataclass(frozen=True, kw_only=True)
class Outer(Frozen):
    kind: Literal["a", "b"]
    inner: Inner
    maybe: Inner | None = None
    names: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict)
    note: str | None = None


def test_lax_conversions_the_readers_rely_on():
    o = Outer(kind="a", inner={"size": 4.0, "ratio": 2}, names=["x", "y"], maybe={"size": "7"})
    assert o.inner == Inner(size=4, ratio=2.0) and isinstance(o.inner.ratio, float)
    assert o.names == ("x", "y") and o.maybe == Inner(size=7)


@pytest.mark.parametrize(("kwargs", "where"), [
    ({"kind": "c", "inner": Inner(size=1)}, "Outer.kind: 'c' is not one of 'a', 'b'"),
    ({"kind": "a", "inner": Inner(size=1), "names": ["x", 3]}, "Outer.names"),
    ({"kind": "a", "inner": {"size": 1.5}}, "Inner.size: 1.5 is not int"),
    ({"kind": "a", "inner": Inner(size=1), "note": 5}, "Outer.note"),
])
def test_a_wrong_value_names_the_class_and_field(kwargs, where):
    with pytest.raises(ValueError, match=where.replace("(", r"\(").replace(")", r"\)")):
        Outer(**kwargs)


def test_unknown_fields_and_mutation_are_refused():
    with pytest.raises(TypeError):
        Outer(kind="a", inner=Inner(size=1), surprise=1)  # type: ignore[call-arg]
    with pytest.raises(FrozenInstanceError):
        Inner(size=1).size = 2  # type: ignore[misc]
    with pytest.raises(ValueError, match="Inner.size"):
        Inner(size=1).model_copy(update={"size": "many"})  # copies are checked too


def test_dump_and_validate_round_trip_through_json():
    o = Outer(kind="b", inner=Inner(size=3), names=("n",), extra={"k": [1, 2]})
    data = json.loads(json.dumps(o.model_dump(mode="json")))
    assert data == {"kind": "b", "inner": {"size": 3, "ratio": 1.0}, "maybe": None, "names": ["n"],
                    "extra": {"k": [1, 2]}, "note": None}
    assert Outer.model_validate(data) == o
    assert o.model_dump()["names"] == ("n",)  # python mode keeps tuples
    assert hash(Inner(size=1)) == hash(Inner(size=1))


def test_real_facts_round_trip(llama_folder):
    from wizard.model.facts import ModelFacts
    from wizard.model.local import inspect_local

    facts = inspect_local(llama_folder)
    assert ModelFacts.model_validate(json.loads(json.dumps(facts.model_dump(mode="json")))) == facts
