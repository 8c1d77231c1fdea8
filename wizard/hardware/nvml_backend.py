"""The real GPU backend: NVML through nvidia-ml-py (`pynvml`), imported only when a probe starts.

Error policy: a failure while starting NVML or counting devices means nothing can be detected and
becomes a typed HardwareError; a failure reading one field of one GPU becomes `Unavailable` (N/A),
because NVML legitimately refuses single queries (MIG on consumer cards, processes in containers,
memory v2 on old drivers) on machines that are otherwise fine.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from types import ModuleType
from typing import Any, Literal, TypeVar

from wizard.hardware.backend import MemoryInfo, ProcessInfo, Unavailable
from wizard.i18n import msg
from wizard.hardware.errors import (
    HardwareError,
    NvmlDriverNotLoadedError,
    NvmlError,
    NvmlLibraryNotFoundError,
    NvmlNoPermissionError,
    NvmlVersionMismatchError,
)

T = TypeVar("T")

# Looked up by name on the module, so a stand-in module in the tests exercises the same mapping.
_FATAL: tuple[tuple[str, Callable[[], HardwareError]], ...] = (
    ("NVMLError_LibraryNotFound", NvmlLibraryNotFoundError),
    ("NVMLError_DriverNotLoaded", NvmlDriverNotLoadedError),
    ("NVMLError_LibRmVersionMismatch", NvmlVersionMismatchError),
    ("NVMLError_NoPermission", NvmlNoPermissionError),
)


def _text(value: Any) -> str:
    # nvidia-ml-py returns str since 11.5; older pynvml releases return bytes.
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _constant(nvml: ModuleType, name: str, default: int) -> int:
    value = getattr(nvml, name, default)
    # nvidia-ml-py defines `NVML_P2P_CAPS_INDEX_READ = 0,` (a stray comma): it is the tuple (0,),
    # which ctypes would reject, so unwrap it.
    if isinstance(value, tuple):
        value = value[0]
    return int(value)


class NvmlBackend:
    source: Literal["nvml", "fake"] = "nvml"

    def __init__(self, module: ModuleType | None = None) -> None:
        # `module` lets tests substitute a stand-in for pynvml; production passes nothing.
        self._nvml: ModuleType | None = module
        self._handles: dict[int, Any] = {}

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> None:
        if self._nvml is None:
            try:
                import pynvml  # noqa: PLC0415 - pynvml: loaded only when used, not at start-up
            except ImportError:
                raise NvmlLibraryNotFoundError(msg("hardware.error.pynvml_missing")) from None
            self._nvml = pynvml
        self._fatal_call(self.nvml.nvmlInit)

    def shutdown(self) -> None:
        self._handles.clear()
        # A failed shutdown leaves nothing to do: the process carries on either way.
        with contextlib.suppress(self.nvml.NVMLError):
            self.nvml.nvmlShutdown()

    @property
    def nvml(self) -> ModuleType:
        if self._nvml is None:
            raise RuntimeError("NvmlBackend used before start()")
        return self._nvml

    def _fatal(self, exc: BaseException) -> HardwareError:
        for attr, error in _FATAL:
            cls = getattr(self.nvml, attr, None)
            if isinstance(cls, type) and isinstance(exc, cls):
                return error()
        try:
            detail = str(exc)
        except Exception:  # noqa: BLE001 - pynvml's __str__ calls back into the library, which may be gone
            detail = type(exc).__name__
        return NvmlError(detail)

    def _fatal_call(self, fn: Callable[..., T], *args: Any) -> T:
        try:
            return fn(*args)
        except self.nvml.NVMLError as exc:
            raise self._fatal(exc) from exc

    def _field(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        try:
            return fn(*args, **kwargs)
        except self.nvml.NVMLError as exc:
            raise Unavailable(type(exc).__name__) from exc

    def _handle(self, index: int) -> Any:
        if index not in self._handles:
            self._handles[index] = self._field(self.nvml.nvmlDeviceGetHandleByIndex, index)
        return self._handles[index]

    # -- system ----------------------------------------------------------------------------------

    def device_count(self) -> int:
        return int(self._fatal_call(self.nvml.nvmlDeviceGetCount))

    def driver_version(self) -> str:
        return _text(self._field(self.nvml.nvmlSystemGetDriverVersion))

    def cuda_driver_version(self) -> int:
        return int(self._field(self.nvml.nvmlSystemGetCudaDriverVersion))

    def nvml_version(self) -> str:
        return _text(self._field(self.nvml.nvmlSystemGetNVMLVersion))

    # -- per device ------------------------------------------------------------------------------

    def name(self, index: int) -> str:
        return _text(self._field(self.nvml.nvmlDeviceGetName, self._handle(index)))

    def uuid(self, index: int) -> str:
        return _text(self._field(self.nvml.nvmlDeviceGetUUID, self._handle(index)))

    def pci_bus_id(self, index: int) -> str:
        info = self._field(self.nvml.nvmlDeviceGetPciInfo, self._handle(index))
        return _text(info.busId)

    def memory(self, index: int) -> MemoryInfo:
        handle = self._handle(index)
        version = getattr(self.nvml, "nvmlMemory_v2", None)
        if version is not None:
            try:
                mem = self.nvml.nvmlDeviceGetMemoryInfo(handle, version=version)
                return MemoryInfo(int(mem.total), int(mem.used), int(mem.free), int(mem.reserved))
            except (self.nvml.NVMLError, TypeError, AttributeError):
                pass  # Driver (or binding) without memory v2: the v1 figures still hold.
        mem = self._field(self.nvml.nvmlDeviceGetMemoryInfo, handle)
        return MemoryInfo(int(mem.total), int(mem.used), int(mem.free), None)

    def compute_capability(self, index: int) -> tuple[int, int]:
        major, minor = self._field(self.nvml.nvmlDeviceGetCudaComputeCapability, self._handle(index))
        return int(major), int(minor)

    def mig_mode(self, index: int) -> bool:
        current, _pending = self._field(self.nvml.nvmlDeviceGetMigMode, self._handle(index))
        return int(current) == _constant(self.nvml, "NVML_DEVICE_MIG_ENABLE", 1)

    def processes(self, index: int) -> list[ProcessInfo]:
        handle = self._handle(index)
        found: dict[int, ProcessInfo] = {}
        for proc in self._field(self.nvml.nvmlDeviceGetComputeRunningProcesses, handle):
            found[int(proc.pid)] = ProcessInfo(int(proc.pid), _bytes_or_none(proc), "compute")
        try:
            graphics = self.nvml.nvmlDeviceGetGraphicsRunningProcesses(handle)
        except self.nvml.NVMLError:
            graphics = []  # The compute list is what matters for vLLM; graphics is a bonus.
        for proc in graphics:
            found.setdefault(int(proc.pid), ProcessInfo(int(proc.pid), _bytes_or_none(proc), "graphics"))
        return list(found.values())

    def process_name(self, pid: int) -> str:
        return _text(self._field(self.nvml.nvmlSystemGetProcessName, pid))

    # -- pairs -----------------------------------------------------------------------------------

    def _p2p_status(self, a: int, b: int, caps_name: str, caps_default: int) -> bool:
        status = self._field(
            self.nvml.nvmlDeviceGetP2PStatus,
            self._handle(a),
            self._handle(b),
            _constant(self.nvml, caps_name, caps_default),
        )
        if int(status) == _constant(self.nvml, "NVML_P2P_STATUS_UNKNOWN", 6):
            raise Unavailable("P2P status unknown")
        return int(status) == _constant(self.nvml, "NVML_P2P_STATUS_OK", 0)

    def p2p_read(self, a: int, b: int) -> bool:
        return self._p2p_status(a, b, "NVML_P2P_CAPS_INDEX_READ", 0)

    def nvlink_p2p(self, a: int, b: int) -> bool:
        return self._p2p_status(a, b, "NVML_P2P_CAPS_INDEX_NVLINK", 2)

    def active_nvlinks(self, index: int) -> int:
        handle = self._handle(index)
        nvml = self.nvml
        # Past the last link of a GPU NVML answers InvalidArgument; a GPU without NVLink answers
        # NotSupported for link 0. Both end the count; anything else makes the count unknown.
        names = ("NVMLError_InvalidArgument", "NVMLError_NotSupported")
        end_of_links: tuple[type[BaseException], ...] = tuple(
            c
            for c in (getattr(nvml, n, None) for n in names)
            if isinstance(c, type) and issubclass(c, BaseException)
        )
        active = 0
        for link in range(_constant(nvml, "NVML_NVLINK_MAX_LINKS", 18)):
            try:
                state = nvml.nvmlDeviceGetNvLinkState(handle, link)
            except end_of_links:
                break
            except nvml.NVMLError as exc:
                raise Unavailable(type(exc).__name__) from exc
            if int(state) == _constant(nvml, "NVML_FEATURE_ENABLED", 1):
                active += 1
        return active

    def pcie_link(self, index: int) -> tuple[int, int]:
        # The "max" queries give what device and system allow; the current link drops to Gen1 at
        # idle to save power, so it says nothing about the bandwidth offloading will get.
        handle = self._handle(index)
        gen_fn = getattr(self.nvml, "nvmlDeviceGetMaxPcieLinkGeneration", None)
        width_fn = getattr(self.nvml, "nvmlDeviceGetMaxPcieLinkWidth", None)
        if gen_fn is None or width_fn is None:
            raise Unavailable("this pynvml has no PCIe link queries")
        return int(self._field(gen_fn, handle)), int(self._field(width_fn, handle))

    # -- live samples (the monitor; see wizard/monitor/gpu_backend.py) -----------------------------
    # Added for the monitor: each answers one figure or raises Unavailable, like the fields above.

    def begin_sample(self) -> None:
        """Nothing to prepare per sampling round: NVML answers every call fresh."""

    def utilization_rates(self, index: int) -> tuple[int, int]:
        rates = self._field(self.nvml.nvmlDeviceGetUtilizationRates, self._handle(index))
        return int(rates.gpu), int(rates.memory)

    def temperature_c(self, index: int) -> int:
        sensor = _constant(self.nvml, "NVML_TEMPERATURE_GPU", 0)
        return int(self._field(self.nvml.nvmlDeviceGetTemperature, self._handle(index), sensor))

    def power_usage_mw(self, index: int) -> int:
        return int(self._field(self.nvml.nvmlDeviceGetPowerUsage, self._handle(index)))

    def power_limit_mw(self, index: int) -> int:
        return int(self._field(self.nvml.nvmlDeviceGetEnforcedPowerLimit, self._handle(index)))

    def fan_speed_percent(self, index: int) -> int:
        return int(self._field(self.nvml.nvmlDeviceGetFanSpeed, self._handle(index)))

    def clock_mhz(self, index: int, domain: Literal["sm", "mem"]) -> int:
        name, default = ("NVML_CLOCK_SM", 1) if domain == "sm" else ("NVML_CLOCK_MEM", 2)
        clock = _constant(self.nvml, name, default)
        return int(self._field(self.nvml.nvmlDeviceGetClockInfo, self._handle(index), clock))

    def pcie_throughput_kib_s(self, index: int, direction: Literal["tx", "rx"]) -> int:
        # NVML samples for ~20 ms inside this call: the monitor reads GPUs in parallel threads.
        name, default = ("NVML_PCIE_UTIL_TX_BYTES", 0) if direction == "tx" else ("NVML_PCIE_UTIL_RX_BYTES", 1)
        counter = _constant(self.nvml, name, default)
        return int(self._field(self.nvml.nvmlDeviceGetPcieThroughput, self._handle(index), counter))

    def performance_state(self, index: int) -> int:
        state = int(self._field(self.nvml.nvmlDeviceGetPerformanceState, self._handle(index)))
        if state == _constant(self.nvml, "NVML_PSTATE_UNKNOWN", 32):
            raise Unavailable("performance state unknown")
        return state


def _bytes_or_none(proc: Any) -> int | None:
    # pynvml maps NVML_VALUE_NOT_AVAILABLE to None (e.g. under Windows WDDM or without permission).
    used = getattr(proc, "usedGpuMemory", None)
    return None if used is None else int(used)
