"""GPU figures for the performance model: datasheet rates per GPU and the links between GPUs.

Catalog GPUs carry their `perf` spec directly; detected GPUs get it by matching NVML's name to the
catalog, with NVML's own PCIe generation and width taking precedence. Nothing here is guessed: a
GPU the catalog does not know has no rates (None), and the figures that need them stay empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from wizard.hardware.catalog import CatalogGpu, catalog_entries, match_catalog_for_detected
from wizard.hardware.facts import GpuFacts, GpuPerfSpec, HardwareFacts
from wizard.i18n import Message, msg
from wizard.perf import constants as k
from wizard.releases.kernels import all_reduce_backend

# Per lane and direction after line coding (8b/10b for Gen1-2, 128b/130b for Gen3-5, FLIT for Gen6).
_PCIE_LANE_GBPS = {1: 0.25, 2: 0.5, 3: 0.985, 4: 1.969, 5: 3.938, 6: 7.563}
GB = 1e9


@dataclass(frozen=True, slots=True)
class GpuRates:
    name: str
    spec: GpuPerfSpec | None
    bandwidth: float | None  # bytes/s, datasheet DRAM bandwidth
    pcie: float | None  # bytes/s per direction
    pcie_label: str | None  # "PCIe Gen4 x16"
    host: float | None  # bytes/s per direction to host memory (PCIe or NVLink-C2C)
    host_label: str | None
    nvlink: float | None  # bytes/s per direction


@lru_cache(maxsize=1)
def _by_key() -> dict[str, CatalogGpu]:
    return {e.key: e for e in catalog_entries()}


def catalog_spec(gpu: GpuFacts) -> GpuPerfSpec | None:
    return _spec(gpu.catalog_key, gpu.name, gpu.total_bytes)


@lru_cache(maxsize=256)
def _spec(key: str | None, name: str, total: int | None) -> GpuPerfSpec | None:
    if key is not None:
        entry = _by_key().get(key)
        return entry.perf if entry else None
    entry = match_catalog_for_detected(name, total)
    return entry.perf if entry else None


def gpu_rates(gpu: GpuFacts) -> GpuRates:
    return _rates(gpu.catalog_key, gpu.name, gpu.total_bytes, gpu.pcie_gen, gpu.pcie_lanes)


@lru_cache(maxsize=256)
def _rates(key: str | None, name: str, total: int | None, gen: int | None, lanes: int | None) -> GpuRates:
    spec = _spec(key, name, total)
    if spec is not None and gen is None:
        gen, lanes = spec.pcie_gen, spec.pcie_lanes
    pcie = _PCIE_LANE_GBPS[gen] * lanes * GB if gen in _PCIE_LANE_GBPS and lanes else None
    pcie_label = f"PCIe Gen{gen} x{lanes}" if pcie else None
    host, host_label = pcie, pcie_label
    if spec is not None and spec.host_link == "nvlink-c2c" and spec.host_link_gbps:
        host, host_label = spec.host_link_gbps / 2 * GB, "NVLink-C2C"
    nvlink = spec.nvlink_gbps / 2 * GB if spec is not None and spec.nvlink_gbps else None
    bandwidth = spec.memory_bandwidth_gbps * GB if spec is not None and spec.memory_bandwidth_gbps else None
    return GpuRates(name, spec, bandwidth, pcie, pcie_label, host, host_label, nvlink)


LinkKind = Literal["nvlink", "pcie_p2p", "host", "assumed_pcie"]


@dataclass(frozen=True, slots=True)
class LinkRates:
    """The slowest path among a group of GPUs, as collectives over it will see it."""

    kind: LinkKind
    bytes_s: float | None  # per direction, before LINK_EFFICIENCY
    latency_s: float
    label: Message


def group_link(hardware: HardwareFacts, indices: list[int], rates: list[GpuRates], *,
               disable_custom_all_reduce: bool = False) -> LinkRates | None:
    """How the GPUs `indices` exchange tensor-parallel all-reduces (None for one GPU)."""
    if len(indices) < 2:
        return None
    nvlink, p2p, unknown = True, True, False
    for i, a in enumerate(indices):
        for b in indices[i + 1:]:
            link = hardware.link(a, b)
            if link is None or link.p2p is None:
                unknown = True
                nvlink = nvlink and bool(link and link.nvlink)
                continue
            p2p = p2p and link.p2p
            nvlink = nvlink and bool(link.nvlink)
    pcie = min((r.pcie for r in rates if r.pcie), default=None)
    nv = min((r.nvlink for r in rates if r.nvlink), default=None) if all(r.nvlink for r in rates) else None
    bw: float | None
    if nvlink and nv:
        kind: LinkKind = "nvlink"
        bw, label = nv, msg("perf.link.nvlink")
    elif not p2p:
        kind, bw, label = "host", (pcie / 2 if pcie else None), msg("perf.link.host")
    elif unknown:
        kind, bw, label = "assumed_pcie", pcie, msg("perf.link.assumed_pcie")
    else:
        kind, bw, label = "pcie_p2p", pcie, msg("perf.link.pcie_p2p")
    backend = all_reduce_backend(len(indices), nvlink=kind == "nvlink", p2p=kind != "host",
                                 disabled=disable_custom_all_reduce)
    if backend == "custom":
        latency = k.ALLREDUCE_LATENCY_S["custom"]
    else:
        latency = k.ALLREDUCE_LATENCY_S[{"nvlink": "nccl_nvlink", "host": "nccl_host"}.get(kind, "nccl_pcie")]
    return LinkRates(kind, bw, latency, label)
