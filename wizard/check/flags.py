"""What one vLLM release's `vllm serve` parser accepts, as `check` needs it: every option string with
its destination, whether it takes a value, and its choices.

Two sources give the same view: the installed vLLM's own parser (wizard.launch.introspect's dump,
the final word where the release planned for is the one installed) and the release table
(wizard.releases.facts, read from each release's source) for every other release.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from wizard.releases import rules
from wizard.releases.facts import release_facts, version_key


@dataclass(frozen=True)
class FlagInfo:
    option: str  # the spelling as registered, e.g. "--tensor-parallel-size", "-tp", "--no-enable-prefix-caching"
    dest: str
    takes_value: bool
    optional_value: bool  # nargs "?": the value may be left out (StoreBoolean's `--x` / `--x False`)
    many: bool  # nargs "+" / "*": every following token up to the next option
    boolean: bool
    flag_value: object  # the value a bare switch stores (True, False for --no-x / store_false)
    choices: tuple[str, ...] | None
    type: str | None = None  # the release's converter (int, float, human_readable_int, ...); None: unknown


@dataclass(frozen=True)
class FlagTable:
    source: str  # "installed" (the vLLM's own parser) or "table" (wizard/data/vllm_releases.json)
    version: str
    flags: Mapping[str, FlagInfo]
    # FlexibleArgumentParser turns `--max_model_len` into `--max-model-len` (0.5.1 on).
    underscores: bool
    config_option: bool  # `--config FILE.yaml` (0.10.0 on)
    registries: Mapping[str, tuple[str, ...]]  # quantization / reasoning_parser / tool_call_parser names

    def lookup(self, option: str) -> FlagInfo | None:
        found = self.flags.get(option)
        if found is None and self.underscores and option.startswith("--") and "_" in option:
            found = self.flags.get("--" + option[2:].replace("_", "-"))
        return found

    def option_for(self, dest: str) -> str | None:
        """The long positive spelling of a destination in this release (None: the release lacks it)."""
        plain = "--" + dest.replace("_", "-")
        if plain in self.flags and self.flags[plain].dest == dest:
            return plain
        return next((o for o, info in self.flags.items()
                     if info.dest == dest and o.startswith("--") and not o.startswith("--no-")), None)


def _underscores(version: str) -> bool:
    return rules.FLEXIBLE_ARG_PARSER.holds(version_key(version))


def table_flags(version: str) -> FlagTable:
    facts = release_facts(version)
    flags: dict[str, FlagInfo] = {}
    for option, spec in facts.flags.items():
        negative = option.startswith("--no-") and spec.boolean
        store_false = spec.action == "store_false"
        nargs = spec.nargs
        flags[option] = FlagInfo(
            option=option, dest=spec.dest, takes_value=spec.takes_value and not negative,
            optional_value=nargs == "?", many=nargs in ("+", "*") or isinstance(nargs, int) and nargs > 1,
            boolean=spec.boolean, flag_value=not (negative or store_false), choices=spec.choices, type=spec.type,
        )
    registries = {"quantization": facts.quantization_methods, "reasoning_parser": facts.reasoning_parsers,
                  "tool_call_parser": facts.tool_parsers}
    return FlagTable("table", facts.version, MappingProxyType(flags), _underscores(facts.version),
                     "--config" in facts.flags, MappingProxyType({k: v for k, v in registries.items() if v}))


def installed_flags(raw: Mapping, version: str) -> FlagTable:
    """From the installed vLLM's parser dump (wizard.launch.vllm_probe `dump`)."""
    flags: dict[str, FlagInfo] = {}
    for arg in raw.get("arguments", []):
        nargs = arg.get("nargs")
        takes = bool(arg.get("takes_value"))
        for option in arg.get("flags", []):
            negative = option.startswith("--no-")
            switch_value = not negative and arg.get("default") is not True
            flags[option] = FlagInfo(
                option=option, dest=arg.get("dest") or option.lstrip("-").replace("-", "_"),
                takes_value=takes and not negative, optional_value=nargs == "?",
                many=nargs in ("+", "*") or isinstance(nargs, int) and nargs > 1,
                boolean=not takes or nargs == "?", flag_value=switch_value,
                choices=tuple(arg["choices"]) if arg.get("choices") else None,
            )
    registries = {k: tuple(v) for k, v in (raw.get("registries") or {}).items() if v}
    try:
        underscores = _underscores(version)
    except Exception:  # noqa: BLE001 - a vendor version string the table cannot read: a current parser
        underscores = True
    return FlagTable("installed", version, MappingProxyType(flags), underscores, "--config" in flags,
                     MappingProxyType(registries))
