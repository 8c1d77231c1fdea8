"""The seam between the probe and NVML: what a GPU backend must answer, in plain Python values.

The probe (CUDA_VISIBLE_DEVICES, per-field N/A, links) talks only to this interface, so the real
pynvml backend and the JSON fake share every line of that logic. Device indices here are NVML
indices (PCI bus order); the probe maps them to CUDA indices.

Contract:
- `start` raises a `wizard.hardware.errors.HardwareError` subclass when detection is impossible;
  after a successful `start` the probe always calls `shutdown`.
- A per-device or per-pair query that the driver cannot answer raises `Unavailable`; the probe turns
  it into None (N/A) for that one field and carries on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable


class Unavailable(Exception):
    """One field cannot be read (not supported, no permission, GPU lost...): report it as N/A."""


@dataclass(frozen=True)
class MemoryInfo:
    """NVML's memory figures, raw. `reserved` is None when only the v1 API answered."""

    total: int
    used: int
    free: int
    reserved: int | None = None


@dataclass(frozen=True)
class ProcessInfo:
    pid: int
    used_bytes: int | None
    kind: Literal["compute", "graphics", "unknown"] = "compute"


@runtime_checkable
class GpuBackend(Protocol):
    source: Literal["nvml", "fake"]

    def start(self) -> None: ...

    def shutdown(self) -> None: ...

    def device_count(self) -> int: ...

    def driver_version(self) -> str: ...

    # As NVML encodes it: 12080 means CUDA 12.8.
    def cuda_driver_version(self) -> int: ...

    def nvml_version(self) -> str: ...

    def name(self, index: int) -> str: ...

    def uuid(self, index: int) -> str: ...

    def pci_bus_id(self, index: int) -> str: ...

    def memory(self, index: int) -> MemoryInfo: ...

    def compute_capability(self, index: int) -> tuple[int, int]: ...

    def mig_mode(self, index: int) -> bool: ...

    def processes(self, index: int) -> list[ProcessInfo]: ...

    def process_name(self, pid: int) -> str: ...

    # Can `a` read `b`'s memory peer-to-peer (NVML_P2P_CAPS_INDEX_READ)?
    def p2p_read(self, a: int, b: int) -> bool: ...

    # Is the peer-to-peer path between `a` and `b` over NVLink (NVML_P2P_CAPS_INDEX_NVLINK)?
    def nvlink_p2p(self, a: int, b: int) -> bool: ...

    # How many of this GPU's NVLinks are up (nvmlDeviceGetNvLinkState); 0 for a GPU without NVLink.
    def active_nvlinks(self, index: int) -> int: ...

    # (generation, lanes): the widest, fastest PCIe link this GPU and this machine allow
    # (nvmlDeviceGetMaxPcieLinkGeneration / ...Width), not the idle-downclocked current link.
    def pcie_link(self, index: int) -> tuple[int, int]: ...
