"""Per-release facts that are data: `vllm serve` flags, registered quantization methods, KV-cache
dtypes, reasoning and tool-call parsers, and the batch-default tables, for every final vLLM release
from 0.4.0 on.

The facts are read from each release's own source by `tools/vllm_release_facts.py` and committed as
`wizard/data/vllm_releases.json`; this module is the typed view over that file. The file is read on
first use only (commands that never ask, like `--help` and `gpus`, never load it). A version between
two known releases gets the nearest known release at or below it; a version newer than the newest
known gets the newest, marked `newer_than_known`. When vLLM itself is installed, its own parser
(wizard.launch.introspect) is the final word; this table answers when it is not.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Literal

from wizard.errors import InputError
from wizard.i18n import msg

ParserKind = Literal["reasoning", "tool"]
COMPUTED = "computed"  # a default vLLM works out at start-up (platform, model, memory)
OLDEST_KNOWN = "0.4.0"

_VERSION = re.compile(r"^\s*v?(\d+)\.(\d+)(?:\.(\d+))?(?:\.(\d+)|\.?post(\d+))?(?:\.?(rc|dev|a|b)\d*)?(.*)$")


def version_key(text: str) -> tuple[int, int, int, int]:
    """Sort key of a vLLM version string; pre-releases (rc, dev) sort just below their release.

    `0.8.5.post1` and `0.10.1.1` sort after their base; a local suffix (`+cpu`, `+cu128`) is ignored.
    """
    match = _VERSION.match(text or "")
    if not match or (match.group(7) and not match.group(7).startswith(("+", "-"))):
        raise InputError(msg("releases.not_a_version", version=text, newest=newest_known()))
    major, minor, patch = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
    extra = int(match.group(4) or match.group(5) or 0)
    if match.group(6):  # 0.12.0rc1 is not yet 0.12.0
        return (major, minor, patch, -1)
    return (major, minor, patch, extra)


@dataclass(frozen=True)
class FlagSpec:
    """One `vllm serve` option as the release's parser registers it."""

    options: tuple[str, ...]  # every spelling, e.g. ("--tensor-parallel-size", "-tp"); --no- forms included
    dest: str
    default: object  # a plain value, or "<computed>" where the parser's default is computed in code
    choices: tuple[str, ...] | None  # enforced by argparse; None for free values (and computed ones)
    type: str | None  # the converter's name (int, float, str, optional:int, json, ...)
    action: str | None  # store_true, BooleanOptionalAction, StoreBoolean, append, ...
    nargs: str | int | None
    boolean: bool  # an on/off flag (store_true, --x/--no-x pair, or StoreBoolean's `--x False`)
    takes_value: bool
    deprecated: bool  # its help text says so
    source: str  # the vLLM file that registers it
    choices_computed: bool = False  # argparse enforces choices the release computes at run time

    @property
    def name(self) -> str:
        return next((o for o in self.options if o.startswith("--")), self.options[0])


@dataclass(frozen=True)
class BatchDefault:
    """One entry of a release's default table: `setting` takes `values` (by usage context, e.g.
    OPENAI_API_SERVER) when every condition in `when` holds ({"gpu_memory_gib": [">=", 70]},
    {"gpu_name_excludes": "a100"}, {"platform": "tpu"}, {"not": [...]}, {"computed": true})."""

    setting: str
    when: tuple[Mapping, ...]
    values: Mapping[str, int | str] | int | str
    function: str


@dataclass(frozen=True)
class ReleaseFacts:
    version: str  # the known release these facts come from
    requested: str  # the version that was asked for
    newer_than_known: bool
    flags: Mapping[str, FlagSpec]  # by every option string
    quantization_methods: tuple[str, ...]
    kv_cache_dtypes: tuple[str, ...]
    reasoning_parsers: tuple[str, ...]
    tool_parsers: tuple[str, ...]
    batch_defaults: tuple[BatchDefault, ...]
    defaults: Mapping[str, object]  # key settings' parser defaults; COMPUTED where vLLM decides at start-up
    serve_command: bool  # `vllm serve` exists (0.5.0 on); before, python -m vllm.entrypoints.openai.api_server
    sources: Mapping[str, object]  # fact -> the vLLM file(s) it was read from

    def has_flag(self, option: str) -> bool:
        return option in self.flags

    def flag(self, option: str) -> FlagSpec | None:
        return self.flags.get(option)

    def default(self, dest: str) -> object:
        return self.defaults.get(dest, COMPUTED)

    def parsers(self, kind: ParserKind) -> tuple[str, ...]:
        return self.reasoning_parsers if kind == "reasoning" else self.tool_parsers


@dataclass(frozen=True)
class _Table:
    versions: tuple[str, ...]
    keys: tuple[tuple[int, int, int, int], ...]
    raw: Mapping


@cache
def _table() -> _Table:
    text = (resources.files("wizard") / "data" / "vllm_releases.json").read_text(encoding="utf-8")
    raw = json.loads(text)
    versions = tuple(sorted(raw["releases"], key=version_key))
    return _Table(versions, tuple(version_key(v) for v in versions), raw)


@cache
def _spec(index: int) -> FlagSpec:
    row = dict(zip(_table().raw["spec_fields"], _table().raw["specs"][index]))
    choices = row["choices"]
    computed = choices is not None and "<computed>" in choices
    nargs = row["nargs"]
    return FlagSpec(tuple(row["options"]), row["dest"], row["default"],
                    tuple(choices) if choices is not None and not computed else None, row["type"], row["action"],
                    nargs if isinstance(nargs, (str, int)) else None, row["boolean"], row["takes_value"],
                    row["deprecated"], row["source"], computed)


@cache
def _facts(version: str) -> ReleaseFacts:
    raw = _table().raw
    entry = raw["releases"][version]
    lists = raw["lists"]
    flags: dict[str, FlagSpec] = {}
    for index in lists[entry["flags"]]:
        spec = _spec(index)
        for option in spec.options:
            flags[option] = spec
    tables = tuple(BatchDefault(t["setting"], tuple(MappingProxyType(c) for c in t["when"]),
                                MappingProxyType(t["values"]) if isinstance(t["values"], dict) else t["values"],
                                t["function"]) for t in raw["tables"][entry["batch_defaults"]])
    return ReleaseFacts(
        version=version, requested=version, newer_than_known=False, flags=MappingProxyType(flags),
        quantization_methods=tuple(lists[entry["quantization_methods"]]),
        kv_cache_dtypes=tuple(lists[entry["kv_cache_dtypes"]]),
        reasoning_parsers=tuple(lists[entry["reasoning_parsers"]]), tool_parsers=tuple(lists[entry["tool_parsers"]]),
        batch_defaults=tables, defaults=MappingProxyType(dict(entry["defaults"])),
        serve_command=bool(entry["serve_command"]), sources=MappingProxyType(dict(entry["sources"])))


def known_releases() -> tuple[str, ...]:
    """Every release in the table, oldest first."""
    return _table().versions


def newest_known() -> str:
    return _table().versions[-1]


def release_facts(version: str) -> ReleaseFacts:
    """The facts of the nearest known release at or below `version`.

    Raises InputError for text that is not a version and for releases older than 0.4.0.
    """
    table = _table()
    key = version_key(version)
    position = bisect_right(table.keys, key)
    if position == 0:
        raise InputError(msg("releases.too_old", version=version, oldest=OLDEST_KNOWN, newest=newest_known()))
    known = table.versions[position - 1]
    facts = _facts(known)
    newer = key[:3] > table.keys[-1][:3]
    if version.strip() == known and not newer:
        return facts
    return ReleaseFacts(**{**facts.__dict__, "requested": version.strip(), "newer_than_known": newer})


def has_flag(version: str, option: str) -> bool:
    return release_facts(version).has_flag(option)


def first_release_with_flag(option: str) -> str | None:
    """The oldest known release whose parser has `option` (it may have gone again later)."""
    raw = _table().raw
    wanted = {i for i, spec in enumerate(raw["specs"]) if option in spec[0]}  # spec[0]: the option strings
    if not wanted:
        return None
    lists = raw["lists"]
    return next((v for v in known_releases() if wanted.intersection(lists[raw["releases"][v]["flags"]])), None)


def quantization_added_later(version: str, method: str) -> str | None:
    """The first known release that registers quantization `method` when `version` does not yet
    (None: `version` has it, or no later release adds it: a plugin, or a method since removed)."""
    if method in release_facts(version).quantization_methods:
        return None
    key = version_key(version)[:3]
    return next((v for v in known_releases() if version_key(v)[:3] > key
                 and method in release_facts(v).quantization_methods), None)


def first_release_with_parser(kind: ParserKind, name: str) -> str | None:
    """The oldest known release that registers the reasoning / tool-call parser `name`, or None."""
    raw = _table().raw
    key = "reasoning_parsers" if kind == "reasoning" else "tool_parsers"
    return next((v for v in known_releases() if name in raw["lists"][raw["releases"][v][key]]), None)
