"""The GPU catalog (wizard/data/gpu_catalog.json): plan for GPUs this machine does not have.

Memory figures are CUDA totals (what cudaMemGetInfo reports and vLLM's gpu_memory_utilization
multiplies), not marketing sizes; each entry's `memory_note` says where its figure comes from.

Names are matched loosely: case, spaces, dashes and the words "nvidia", "geforce", "tesla" do not
matter, and "40g" means "40gb". An exact name or alias wins; otherwise the entry whose name covers
every word of the query with the fewest words left over, if exactly one does.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Literal, get_args

from wizard.errors import InputError
from wizard.hardware.errors import AmbiguousGpuError, UnknownGpuError
from wizard.hardware.facts import GpuFacts, GpuLink, GpuPerfSpec, HardwareFacts
from wizard.i18n import msg

if TYPE_CHECKING:
    # Imported where facts are built: `gpus --catalog` never builds any.
    from wizard.hardware.facts import GpuLink, HardwareFacts

GIB = 1 << 30

# "sxm": every GPU reaches every other over NVLink/NVSwitch (SXM boards, GH200/GB200 superchips);
# "nvlink": PCIe cards joined in pairs by NVLink bridges; "pcie": PCIe only;
# "unified": one GPU sharing the host's memory (several of them are separate machines).
Interconnect = Literal["nvlink", "pcie", "sxm", "unified"]
Architecture = Literal["volta", "turing", "ampere", "ada", "hopper", "blackwell"]
Segment = Literal["datacenter", "workstation", "consumer", "embedded"]


@dataclass(frozen=True)
class CatalogGpu:
    """One catalog entry. A plain dataclass, checked as it is read: the catalog is data shipped with
    the package, and pydantic would cost `gpus --catalog` half its start-up for nothing more."""

    key: str
    # As NVML reports it ("NVIDIA H100 80GB HBM3"), so detected GPUs map onto entries.
    name: str
    architecture: Architecture
    segment: Segment
    total_bytes: int
    memory_note: str
    compute_capability: str
    bf16: bool
    fp8: bool
    fp4: bool
    interconnect: Interconnect
    # Peer-to-peer over PCIe without NVLink; NVIDIA disables it on GeForce cards.
    pcie_p2p: bool
    # Bandwidth, dense TFLOPS per dtype and links, for the performance model (wizard/perf).
    perf: GpuPerfSpec
    aliases: tuple[str, ...] = ()
    unified_memory: bool = False

    def __post_init__(self) -> None:
        problems = [name for name, ok in (
            ("key", re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", self.key)),
            ("name", self.name), ("memory_note", self.memory_note),
            ("architecture", self.architecture in get_args(Architecture)),
            ("segment", self.segment in get_args(Segment)),
            ("interconnect", self.interconnect in get_args(Interconnect)),
            ("total_bytes", isinstance(self.total_bytes, int) and self.total_bytes > 0),
            ("compute_capability", re.fullmatch(r"\d+\.\d", self.compute_capability)),
            ("perf", isinstance(self.perf, GpuPerfSpec)),
            ("aliases", isinstance(self.aliases, tuple) and all(isinstance(a, str) for a in self.aliases)),
            *((flag, isinstance(getattr(self, flag), bool))
              for flag in ("bf16", "fp8", "fp4", "pcie_p2p", "unified_memory")),
        ) if not ok]
        if problems:
            raise ValueError(f"GPU catalog entry {self.key!r}: invalid {', '.join(problems)}")

    @classmethod
    def from_json(cls, item: dict) -> CatalogGpu:
        """An entry from the catalog file; unknown or missing keys are an error, as is a bad value."""
        known = {f.name for f in dataclasses.fields(cls)}
        if set(item) - known:
            raise ValueError(f"GPU catalog entry {item.get('key')!r}: unknown keys {sorted(set(item) - known)}")
        return cls(**{**item, "aliases": tuple(item.get("aliases", ())),
                      "perf": GpuPerfSpec.model_validate(item["perf"]) if "perf" in item else None})

    def to_json(self) -> dict:
        return {**dataclasses.asdict(self), "aliases": list(self.aliases)}

    @property
    def total_gib(self) -> float:
        return self.total_bytes / GIB

    @property
    def cc_tuple(self) -> tuple[int, int]:
        major, minor = self.compute_capability.split(".")
        return int(major), int(minor)


@lru_cache(maxsize=1)
def catalog_entries() -> tuple[CatalogGpu, ...]:
    """Every catalog GPU, in catalog order (by generation)."""
    text = (resources.files("wizard") / "data" / "gpu_catalog.json").read_text(encoding="utf-8")
    return tuple(CatalogGpu.from_json(item) for item in json.loads(text)["gpus"])


# -- name matching -------------------------------------------------------------------------------

_NOISE_WORDS = re.compile(r"\b(nvidia|geforce|tesla)\b")
_BARE_G = re.compile(r"(\d)\s*g(?![a-z])")


def _normalise(text: str) -> str:
    text = _NOISE_WORDS.sub(" ", text.lower().replace("_", " "))
    return _BARE_G.sub(r"\1gb", text)


def _compact(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", _normalise(text))


def _tokens(text: str) -> frozenset[str]:
    # Letters and digits split apart, so "rtx3090" and "RTX 3090" both give {"rtx", "3090"}.
    return frozenset(re.findall(r"[a-z]+|\d+", _normalise(text)))


def _names(entry: CatalogGpu) -> tuple[str, ...]:
    return (entry.key, entry.name, *entry.aliases)


@lru_cache(maxsize=1)
def _exact_index() -> dict[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}
    for entry in catalog_entries():
        for name in _names(entry):
            keys = index.setdefault(_compact(name), [])
            if entry.key not in keys:
                keys.append(entry.key)
    return {name: tuple(keys) for name, keys in index.items()}


def _by_key(key: str) -> CatalogGpu:
    return next(e for e in catalog_entries() if e.key == key)


def _token_matches(query: str) -> list[tuple[int, CatalogGpu]]:
    """(extra words, entry) for entries one of whose names has every query word, best first."""
    wanted = _tokens(query)
    if not wanted:
        return []
    scored: list[tuple[int, CatalogGpu]] = []
    for entry in catalog_entries():
        extras = [len(_tokens(n) - wanted) for n in _names(entry) if wanted <= _tokens(n)]
        if extras:
            scored.append((min(extras), entry))
    return sorted(scored, key=lambda item: item[0])


def _close_keys(query: str, limit: int = 5) -> list[str]:
    compact = _compact(query)
    index = _exact_index()
    keys: list[str] = []
    for name in difflib.get_close_matches(compact, list(index), n=limit * 3, cutoff=0.7):
        for key in index[name]:
            if key not in keys:
                keys.append(key)
    return keys[:limit]


def lookup(name: str) -> CatalogGpu:
    """The catalog GPU `name` means; UnknownGpuError / AmbiguousGpuError (InputErrors) otherwise."""
    exact = _exact_index().get(_compact(name))
    if exact:
        # Only NVML names are shared between entries (an RTX 3080 reports the same name with 10 or
        # 20 GB); the catalog lists the common variant first.
        return _by_key(exact[0])
    scored = _token_matches(name)
    if len(scored) == 1 or (len(scored) > 1 and scored[0][0] < scored[1][0]):
        return scored[0][1]
    if scored:
        raise AmbiguousGpuError(name, [entry.key for _, entry in scored][:8])
    raise UnknownGpuError(name, _close_keys(name))


def match_catalog_for_detected(gpu_name: str, total_bytes: int | None = None) -> CatalogGpu | None:
    """The catalog entry for a GPU NVML reported (for its bf16/fp8/fp4 flags), or None.

    `total_bytes` picks between entries that share an NVML name (the closest memory size wins).
    """
    keys = _exact_index().get(_compact(gpu_name))
    if not keys:
        try:
            return lookup(gpu_name)
        except InputError:
            return None
    entries = [_by_key(k) for k in keys]
    if total_bytes is not None and len(entries) > 1:
        return min(entries, key=lambda e: abs(e.total_bytes - total_bytes))
    return entries[0]


# -- planning for catalog GPUs -------------------------------------------------------------------


def _gib_bytes(value: float, option: str) -> int:
    if not math.isfinite(value) or value < 0:
        raise InputError(msg("hardware.error.bad_gib", option=option, value=value))
    return round(value * GIB)


def _check_cc(value: str) -> str:
    text = value.strip()
    if not re.fullmatch(r"\d{1,2}\.\d", text):
        raise InputError(msg("hardware.error.bad_cc", value=value))
    return text


def catalog_hardware(
    name: str | None = None,
    count: int = 1,
    memory_gib: float | None = None,
    used_gib: float | None = None,
    compute_capability: str | None = None,
) -> HardwareFacts:
    """HardwareFacts for `count` catalog GPUs, with optional per-GPU overrides.

    A name the catalog does not know is accepted when both `memory_gib` and `compute_capability`
    are given (a generic GPU with no catalog_key and unknown links); so is no name at all.
    """
    if count < 1:
        raise InputError(msg("hardware.error.gpu_count", count=count))
    total_override = None if memory_gib is None else _gib_bytes(memory_gib, "--gpu-memory")
    if total_override == 0:
        raise InputError(msg("hardware.error.gpu_memory_zero"))
    cc_override = None if compute_capability is None else _check_cc(compute_capability)
    entry: CatalogGpu | None = None
    if name is not None and name.strip():
        try:
            entry = lookup(name)
        except UnknownGpuError:
            if total_override is None or cc_override is None:
                raise
    elif total_override is None or cc_override is None:
        raise InputError(msg("hardware.error.name_or_specs"))

    if entry is not None:
        total = entry.total_bytes if total_override is None else total_override
        cc = cc_override or entry.compute_capability
    else:
        # Guaranteed by the checks above: no catalog entry means both overrides were given.
        assert total_override is not None and cc_override is not None
        total, cc = total_override, cc_override
    used = 0 if used_gib is None else _gib_bytes(used_gib, "--gpu-used")
    if used > total:
        raise InputError(msg("hardware.error.used_more_than_total", used=used_gib, total=total / GIB))
    if entry is not None:
        display = entry.name
    elif name and name.strip():
        display = name.strip()
    else:
        display = f"Generic GPU ({total / GIB:.2f} GiB, CC {cc})"
    gpus = tuple(
        GpuFacts(
            index=i,
            name=display,
            total_bytes=total,
            used_bytes=used,
            free_bytes=total - used,
            compute_capability=cc,
            catalog_key=None if entry is None else entry.key,
        )
        for i in range(count)
    )
    links = tuple(_catalog_link(entry, a, b) for a in range(count) for b in range(a + 1, count))
    return HardwareFacts(source="catalog", gpus=gpus, links=links)


def _catalog_link(entry: CatalogGpu | None, a: int, b: int) -> GpuLink:
    if entry is None:
        return GpuLink(a=a, b=b)  # a generic GPU: nothing is known about its links
    if entry.interconnect == "sxm":
        return GpuLink(a=a, b=b, p2p=True, nvlink=True)
    if entry.interconnect == "nvlink":
        bridged = a // 2 == b // 2  # bridges join cards 0-1, 2-3, ...
        return GpuLink(a=a, b=b, p2p=bridged or entry.pcie_p2p, nvlink=bridged)
    if entry.interconnect == "pcie":
        return GpuLink(a=a, b=b, p2p=entry.pcie_p2p, nvlink=False)
    return GpuLink(a=a, b=b, p2p=False, nvlink=False)  # unified: separate machines
