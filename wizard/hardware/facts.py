"""Typed GPU facts: the boundary between the hardware probe and everything that plans or renders.

Modelled on nvitop's device snapshots: every field NVML may fail to report is optional, and None
means "not available" (N/A), never zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from wizard.frozen import Frozen

GIB = 1 << 30


@dataclass(frozen=True, kw_only=True)
class GpuProcess(Frozen):
    pid: int
    used_bytes: int | None = None
    name: str | None = None
    kind: Literal["compute", "graphics", "unknown"] = "compute"


PerfDtype = Literal["fp32", "tf32", "fp16", "bf16", "fp8", "int8", "fp4"]


@dataclass(frozen=True, kw_only=True)
class DenseTflops(Frozen):
    """Datasheet peak tensor throughput per input dtype, dense (not the 2:4-sparse figure).

    fp32 is the CUDA-core rate; the 16-bit figures on GeForce cards are the FP32-accumulate rate,
    which is what cuBLAS uses for half-precision GEMMs. None: not published or not supported.
    """

    fp32: float | None = None
    tf32: float | None = None
    fp16: float | None = None
    bf16: float | None = None
    fp8: float | None = None
    int8: float | None = None
    fp4: float | None = None

    def get(self, dtype: PerfDtype) -> float | None:
        return getattr(self, dtype)


@dataclass(frozen=True, kw_only=True)
class GpuPerfSpec(Frozen):
    """What a GPU can move and compute, from its vendor datasheet (cited in `source`).

    Bandwidths are as NVIDIA quotes them: memory in GB/s, NVLink and NVLink-C2C as the total of
    both directions per GPU. None means the figure is unknown or the part has no such link.
    """

    memory_bandwidth_gbps: float | None
    dense_tflops: DenseTflops
    pcie_gen: int | None
    pcie_lanes: int | None
    nvlink_gbps: float | None
    # An SXM module (or superchip) whose NVLinks reach every peer through NVSwitch / the board.
    sxm: bool
    # How the GPU reaches host memory: PCIe, NVLink-C2C (Grace superchips) or shared (unified).
    host_link: Literal["pcie", "nvlink-c2c", "unified"]
    host_link_gbps: float | None
    source: str


@dataclass(frozen=True, kw_only=True)
class GpuFacts(Frozen):
    """One GPU as the planner and the screens see it."""

    index: int
    name: str
    uuid: str | None = None
    pci_bus_id: str | None = None
    total_bytes: int | None = None
    used_bytes: int | None = None
    free_bytes: int | None = None
    # Memory v2 "reserved" (driver/ECC reservations); None when only the v1 API answered.
    reserved_bytes: int | None = None
    compute_capability: str | None = None
    mig_mode: bool | None = None
    processes: tuple[GpuProcess, ...] = ()
    # Filled for catalog GPUs (no probe); detected GPUs leave it None.
    catalog_key: str | None = None
    # The PCIe link NVML reports as the most this GPU and this machine allow (None: not reported).
    pcie_gen: int | None = None
    pcie_lanes: int | None = None

    @property
    def total_gib(self) -> float | None:
        return None if self.total_bytes is None else self.total_bytes / GIB

    @property
    def used_gib(self) -> float | None:
        return None if self.used_bytes is None else self.used_bytes / GIB

    @property
    def cc_tuple(self) -> tuple[int, int] | None:
        if not self.compute_capability:
            return None
        major, _, minor = self.compute_capability.partition(".")
        return int(major), int(minor or 0)


@dataclass(frozen=True, kw_only=True)
class GpuLink(Frozen):
    """Peer-to-peer reachability between two GPUs (by index)."""

    a: int
    b: int
    p2p: bool | None = None
    nvlink: bool | None = None


@dataclass(frozen=True, kw_only=True)
class HardwareFacts(Frozen):
    """Everything the probe learned (or the catalog assumed) about this machine's GPUs."""

    source: Literal["nvml", "fake", "catalog"]
    driver_version: str | None = None
    cuda_driver_version: str | None = None
    nvml_version: str | None = None
    gpus: tuple[GpuFacts, ...] = ()
    links: tuple[GpuLink, ...] = ()
    # CUDA_VISIBLE_DEVICES as found, for messages ("GPUs 0,2 are visible").
    visible_devices: str | None = None

    def link(self, a: int, b: int) -> GpuLink | None:
        return self._links_by_pair.get(frozenset((a, b)))

    @cached_property
    def _links_by_pair(self) -> dict[frozenset[int], GpuLink]:
        # A scan of every link per pair made a 64-GPU plan take seconds (pairs × links per check).
        index: dict[frozenset[int], GpuLink] = {}
        for link in self.links:
            index.setdefault(frozenset((link.a, link.b)), link)
        return index

    def all_pairs_p2p(self, indices: list[int] | None = None) -> bool | None:
        """True if every pair of the chosen GPUs can reach each other peer-to-peer; None if unknown."""
        chosen = indices if indices is not None else [g.index for g in self.gpus]
        verdict: bool | None = True
        for i, a in enumerate(chosen):
            for b in chosen[i + 1 :]:
                link = self.link(a, b)
                if link is None or link.p2p is None:
                    verdict = None
                elif not link.p2p:
                    return False
        return verdict
