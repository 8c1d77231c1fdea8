"""Turn a GPU backend's raw answers into `HardwareFacts`, as the CUDA process vLLM starts will see them.

Shared by the real and the fake backend: CUDA_VISIBLE_DEVICES filtering and ordering, per-field N/A,
the CUDA-visible memory total, and the P2P / NVLink matrix. NVML itself ignores
CUDA_VISIBLE_DEVICES, so the probe applies CUDA's rules here.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from typing import TypeVar

from wizard import envvars as ev
from wizard.hardware.backend import GpuBackend, MemoryInfo, Unavailable
from wizard.hardware.errors import NoGpuError
from wizard.hardware.facts import GpuFacts, GpuLink, GpuProcess, HardwareFacts
from wizard.hardware.fake_backend import FakeBackend
from wizard.hardware.nvml_backend import NvmlBackend

T = TypeVar("T")

UNKNOWN_NAME = "Unknown NVIDIA GPU"


def default_backend(env: Mapping[str, str] | None = None) -> GpuBackend:
    """The fake backend when VLLM_WIZARD_FAKE_GPUS is set (non-empty), else real NVML."""
    env = os.environ if env is None else env
    spec = env.get(ev.FAKE_GPUS, "").strip()
    if spec:
        return FakeBackend.from_spec(spec)

    return NvmlBackend()


def probe(backend: GpuBackend | None = None, env: Mapping[str, str] | None = None) -> HardwareFacts:
    """Detect the GPUs a CUDA process would see. Raises a HardwareError when none can be detected."""
    env = os.environ if env is None else env
    backend = default_backend(env) if backend is None else backend
    backend.start()
    try:
        return _collect(backend, env.get(ev.CUDA_VISIBLE_DEVICES))
    finally:
        # NVML keeps driver state per process until shutdown; release it even on errors.
        backend.shutdown()


def visible_indices(value: str | None, count: int, uuid_of: Callable[[int], str | None]) -> list[int]:
    """NVML indices CUDA would expose for CUDA_VISIBLE_DEVICES=`value`, in CUDA index order.

    CUDA's rules: unset shows every device; entries are indices or `GPU-<uuid prefix>`; the first
    invalid, out-of-range, ambiguous or repeated entry ends the list (so "" and "-1" show none).
    Integer entries are taken as NVML (PCI bus) order, which is what CUDA uses when
    CUDA_DEVICE_ORDER=PCI_BUS_ID and, on machines with one GPU model, by default.
    """
    if value is None:
        return list(range(count))
    chosen: list[int] = []
    for token in value.split(","):
        index = _resolve_visible(token.strip(), count, uuid_of)
        if index is None or index in chosen:
            break
        chosen.append(index)
    return chosen


def _resolve_visible(token: str, count: int, uuid_of: Callable[[int], str | None]) -> int | None:
    if re.fullmatch(r"\d+", token):
        index = int(token)
        return index if index < count else None
    if token[:4].lower() == "gpu-" and len(token) > 4:
        prefix = token[4:].lower()
        matches = [
            i for i in range(count) if (u := uuid_of(i)) and u.lower().removeprefix("gpu-").startswith(prefix)
        ]
        return matches[0] if len(matches) == 1 else None
    # MIG-<uuid> entries select MIG instances, which this probe does not model: stop like CUDA
    # stops at anything it cannot use as a whole GPU.
    return None


def _opt(fn: Callable[..., T], *args: int) -> T | None:
    try:
        return fn(*args)
    except Unavailable:
        return None


def cuda_version_text(version: int | None) -> str | None:
    """NVML's integer CUDA driver version (12080) as people write it ("12.8")."""
    if version is None or version <= 0:
        return None
    return f"{version // 1000}.{(version % 1000) // 10}"


def _collect(backend: GpuBackend, visible: str | None) -> HardwareFacts:
    count = backend.device_count()
    if count == 0:
        raise NoGpuError()
    nvml_indices = visible_indices(visible, count, lambda i: _opt(backend.uuid, i))
    if not nvml_indices:
        raise NoGpuError(visible, count)
    gpus = tuple(_gpu(backend, cuda, nvml) for cuda, nvml in enumerate(nvml_indices))
    links = tuple(
        _link(backend, a, b, nvml_indices[a], nvml_indices[b])
        for a in range(len(nvml_indices))
        for b in range(a + 1, len(nvml_indices))
    )
    return HardwareFacts(
        source=backend.source,
        driver_version=_opt(backend.driver_version),
        cuda_driver_version=cuda_version_text(_opt(backend.cuda_driver_version)),
        nvml_version=_opt(backend.nvml_version),
        gpus=gpus,
        links=links,
        visible_devices=visible,
    )


def cuda_memory(mem: MemoryInfo) -> tuple[int, int, int]:
    """(total, used, free) as cudaMemGetInfo would count them.

    Memory v2 reports the whole framebuffer as `total`, of which `reserved` (driver/firmware) is
    never allocatable; CUDA's total is the rest (H100: 81559 MiB - 467 MiB = 79.19 GiB, the T vLLM's
    gpu_memory_utilization multiplies). The v1 API folds `reserved` into `used`, so its total
    overstates CUDA's by that amount; nothing better is known then.
    """
    if mem.reserved is None:
        return mem.total, mem.used, mem.free
    return max(mem.total - mem.reserved, 0), mem.used, mem.free


def _gpu(backend: GpuBackend, cuda_index: int, nvml_index: int) -> GpuFacts:
    mem = _opt(backend.memory, nvml_index)
    total, used, free = cuda_memory(mem) if mem is not None else (None, None, None)
    cc = _opt(backend.compute_capability, nvml_index)
    pcie = _opt(backend.pcie_link, nvml_index)
    return GpuFacts(
        index=cuda_index,
        name=_opt(backend.name, nvml_index) or UNKNOWN_NAME,
        uuid=_opt(backend.uuid, nvml_index),
        pci_bus_id=_opt(backend.pci_bus_id, nvml_index),
        total_bytes=total,
        used_bytes=used,
        free_bytes=free,
        reserved_bytes=None if mem is None else mem.reserved,
        compute_capability=None if cc is None else f"{cc[0]}.{cc[1]}",
        mig_mode=_opt(backend.mig_mode, nvml_index),
        processes=_processes(backend, nvml_index),
        pcie_gen=None if pcie is None else pcie[0],
        pcie_lanes=None if pcie is None else pcie[1],
    )


def _processes(backend: GpuBackend, nvml_index: int) -> tuple[GpuProcess, ...]:
    # An unreadable process list is reported as empty: GpuFacts has no N/A for it, and the memory
    # figures (used/free) still account for whatever those processes hold.
    found = _opt(backend.processes, nvml_index) or []
    return tuple(
        GpuProcess(pid=p.pid, used_bytes=p.used_bytes, name=_opt(backend.process_name, p.pid), kind=p.kind)
        for p in found
    )


def _link(backend: GpuBackend, a: int, b: int, nvml_a: int, nvml_b: int) -> GpuLink:
    p2p = _opt(backend.p2p_read, nvml_a, nvml_b)
    return GpuLink(a=a, b=b, p2p=p2p, nvlink=_nvlink(backend, nvml_a, nvml_b))


def _nvlink(backend: GpuBackend, a: int, b: int) -> bool | None:
    try:
        return backend.nvlink_p2p(a, b)
    except Unavailable:
        pass
    # The NVLink P2P query is missing on some drivers; a GPU with no active link cannot be NVLinked,
    # but active links alone do not say to whom (on NVSwitch boards they go to the switch).
    if _opt(backend.active_nvlinks, a) == 0 or _opt(backend.active_nvlinks, b) == 0:
        return False
    return None
