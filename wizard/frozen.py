"""Frozen dataclasses for the facts the core hands between its layers (hardware and model facts, the
planner's inputs and settings), checked as they are built.

They were pydantic models, and `vllm-wizard plan` spent about half its start-up importing pydantic
and building schemas, although every value comes from the wizard's own readers and parsers (user
input is parsed and checked before it gets here: `--set`, `--context`, the app's fields). `Frozen`
keeps what those models gave the code base, at the cost of a loop over the fields:
- construction checks each field against its annotation (a wrong type or a value outside a Literal
  is a ValueError naming the class and field; an unknown field is a TypeError, as for any dataclass);
- the lax conversions the readers relied on: list -> tuple, int -> float, a mapping -> the nested
  Frozen class, an integral float or a numeric string -> int;
- the three methods call sites use: `model_copy(update=...)`, `model_dump(mode="python"|"json")` and
  `model_validate(mapping)`.

Subclasses are declared `@dataclass(frozen=True)`. Mutable defaults need `field(default_factory=...)`.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

F = TypeVar("F", bound="Frozen")
_MISSING = object()


@cache
def _hints(cls: type) -> dict[str, Any]:
    """The resolved annotation of every dataclass field (string annotations evaluated once)."""
    resolved = typing.get_type_hints(cls)
    return {f.name: resolved[f.name] for f in dataclasses.fields(cls)}


@cache
def _exact(hint: Any) -> frozenset[type]:
    """Types a value may have to be taken as it is, without a closer look (the fast path: the planner
    builds settings on every keystroke in the app)."""
    if hint is Any or hint is object:
        return frozenset({object})
    origin = get_origin(hint)
    if origin is Union or origin is types.UnionType:
        args = get_args(hint)
        if all(isinstance(a, type) and not issubclass(a, Frozen) for a in args):
            return frozenset(args)
        return frozenset({type(None)}) if type(None) in args else frozenset()
    if isinstance(hint, type) and origin is None and not issubclass(hint, Frozen):
        return frozenset({hint})
    return frozenset()


def _convert(value: Any, hint: Any, where: str) -> Any:
    """`value` as `hint` describes it (converted where lax), else ValueError naming `where`."""
    exact = _exact(hint)
    if type(value) in exact or object in exact:
        return value
    converted = _try(value, hint)
    if converted is _MISSING:
        raise ValueError(f"{where}: {value!r} is not {_describe(hint)}")
    return converted


def _try(value: Any, hint: Any) -> Any:
    if hint is Any or hint is object:
        return value
    origin = get_origin(hint)
    if origin is Union or origin is types.UnionType:
        args = get_args(hint)
        if value is None:
            return None if type(None) in args else _MISSING
        for arg in args:  # exact matches first, so `int | str` keeps a str as it is
            if arg is not type(None) and isinstance(arg, type) and type(value) is arg:
                return value
        for arg in args:
            if arg is not type(None):
                converted = _try(value, arg)
                if converted is not _MISSING:
                    return converted
        return _MISSING
    if origin is Literal:
        return value if value in get_args(hint) else _MISSING
    if origin is tuple:
        if not isinstance(value, (tuple, list)):
            return _MISSING
        args = get_args(hint)
        item = args[0] if len(args) == 2 and args[1] is Ellipsis else Any
        items = tuple(_try(v, item) for v in value)
        return _MISSING if any(i is _MISSING for i in items) else items
    if origin is dict or hint is dict:
        return dict(value) if isinstance(value, Mapping) else _MISSING
    if isinstance(hint, type):
        return _scalar(value, hint)
    return value  # an annotation this module does not check (a Protocol, a Callable)


def _scalar(value: Any, hint: type) -> Any:
    if issubclass(hint, Frozen) and isinstance(value, Mapping):
        return hint.model_validate(value)
    if hint is bool:
        return value if isinstance(value, bool) else _MISSING
    if hint is int:
        if isinstance(value, bool):
            return _MISSING
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
        return _MISSING
    if hint is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        return _MISSING
    return value if isinstance(value, hint) else _MISSING


def _describe(hint: Any) -> str:
    origin = get_origin(hint)
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in get_args(hint))
    return getattr(hint, "__name__", None) or str(hint).replace("typing.", "")


def _dump(value: Any, mode: Literal["python", "json"]) -> Any:
    if isinstance(value, Frozen):
        return value.model_dump(mode=mode)
    if isinstance(value, (tuple, list)):
        items = [_dump(v, mode) for v in value]
        return items if mode == "json" or isinstance(value, list) else tuple(items)
    if isinstance(value, dict):
        return {k: _dump(v, mode) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class Frozen:
    """Base of the checked frozen dataclasses (see the module docstring)."""

    def __post_init__(self) -> None:
        cls: type = type(self)
        for name, hint in _hints(cls).items():
            value = getattr(self, name)
            converted = _convert(value, hint, f"{cls.__name__}.{name}")
            if converted is not value:
                object.__setattr__(self, name, converted)

    def model_copy(self: F, *, update: Mapping[str, Any] | None = None) -> F:
        """A copy with some fields replaced (and checked)."""
        return dataclasses.replace(self, **dict(update or {}))

    def model_dump(self, *, mode: Literal["python", "json"] = "python") -> dict[str, Any]:
        """Plain data: nested facts as dicts; in "json" mode tuples become lists."""
        return {f.name: _dump(getattr(self, f.name), mode) for f in dataclasses.fields(self)}

    @classmethod
    def model_validate(cls: type[F], data: Any) -> F:
        """An instance from plain data (as model_dump gives it), nested facts included."""
        if isinstance(data, cls):
            return data
        if not isinstance(data, Mapping):
            raise ValueError(f"{cls.__name__}: expected a mapping, got {type(data).__name__}")
        return cls(**data)
