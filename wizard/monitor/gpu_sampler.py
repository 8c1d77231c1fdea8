"""Live per-GPU samples from a SamplingBackend: per-field N/A, lost GPUs, failures reported once.

Indices are NVML's (PCI bus order), as nvidia-smi shows them: the monitor watches the whole machine,
not the subset one CUDA process sees. Error policy, after nvitop and gpustat:
- a field the GPU does not support is N/A, silently (NVMLError_NotSupported, a fixture's missing key);
- any other per-field failure is N/A plus one notice per (field, reason), never a crash;
- NVMLError_GpuIsLost marks that GPU lost (identity kept, figures dropped) while the others update;
- NVML failing as a whole (start-up, or the device count mid-run) becomes `error`, the backend is
  shut down, and start-up is retried every `retry_s`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from wizard.i18n import msg
from wizard.hardware.backend import ProcessInfo, Unavailable
from wizard.hardware.errors import HardwareError
from wizard.monitor.gpu_backend import LOST_REASONS, QUIET_REASONS, SamplingBackend, reason
from wizard.monitor.snapshot import GpuSample, Notice

T = TypeVar("T")

FIELD_NAMES = {
    "memory": msg("monitor.field.memory"), "utilization_rates": msg("monitor.field.utilization"),
    "temperature_c": msg("monitor.field.temperature"), "power_usage_mw": msg("monitor.field.power_draw"),
    "power_limit_mw": msg("monitor.field.power_limit"), "fan_speed_percent": msg("monitor.field.fan_speed"),
    "clock_mhz": msg("monitor.field.clocks"), "pcie_throughput_kib_s": msg("monitor.field.pcie"),
    "performance_state": msg("monitor.field.pstate"), "processes": msg("monitor.field.processes"),
}


@dataclass(frozen=True)
class GpuRound:
    """One sampling round of the GPU side."""

    gpus: tuple[GpuSample, ...] = ()
    processes: tuple[tuple[int, ProcessInfo], ...] = ()  # (NVML index, process) as NVML lists them
    error: str | None = None
    driver_version: str | None = None
    cuda_driver_version: str | None = None
    source: str | None = None


class _GpuLostError(Exception):
    pass


class GpuSampler:
    def __init__(self, backend: SamplingBackend, *, retry_s: float = 5.0, parallel: bool | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.backend = backend
        self.retry_s = retry_s
        # Real NVML blocks ~20 ms per PCIe read, per GPU: read GPUs side by side. The fake answers in
        # microseconds, where threads would only cost CPU.
        self.parallel = backend.source == "nvml" if parallel is None else parallel
        self._clock = clock
        self._started = False
        self._next_start = 0.0
        self._error: str | None = None
        self._versions: tuple[str | None, str | None] = (None, None)
        self._names: dict[int, tuple[str, str | None]] = {}
        self._lost: set[int] = set()
        self._notices: dict[str, Notice] = {}
        self._pool: ThreadPoolExecutor | None = None

    # -- notices ---------------------------------------------------------------------------------

    @property
    def notices(self) -> tuple[Notice, ...]:
        return tuple(self._notices.values())

    def _notice(self, key: str, severity: str, message: str) -> None:
        if key not in self._notices:
            self._notices[key] = Notice(key, severity, message)  # type: ignore[arg-type]

    # -- lifecycle -------------------------------------------------------------------------------

    def _ensure_started(self) -> bool:
        if self._started:
            return True
        now = self._clock()
        if now < self._next_start:
            return False
        try:
            self.backend.start()
        except HardwareError as exc:
            # Shown where the GPUs would be (GpuRound.error), not as a notice: nothing changed.
            self._fail(exc.message, now, notice=False)
            return False
        self._started, self._error = True, None
        self._versions = (self._opt(self.backend.driver_version),
                          _cuda_text(self._opt(self.backend.cuda_driver_version)))
        return True

    def _fail(self, message: str, now: float, *, notice: bool = True) -> None:
        self._error = message
        self._next_start = now + self.retry_s
        if notice:
            self._notice(f"nvml:{message}", "error", message)

    def close(self) -> None:
        if self._started:
            self._started = False
            self.backend.shutdown()
        if self._pool is not None:
            self._pool.shutdown(wait=False)
            self._pool = None

    # -- sampling --------------------------------------------------------------------------------

    def sample(self) -> GpuRound:
        if not self._ensure_started():
            return self._round(())
        self.backend.begin_sample()
        try:
            count = self.backend.device_count()
        except HardwareError as exc:
            # NVML stopped answering mid-run (driver unloaded, version mismatch after an upgrade):
            # release it and start again later; the GPUs are shown as lost meanwhile.
            self._started = False
            self.backend.shutdown()
            self._fail(msg("monitor.notice.nvml_stopped", error=exc.message), self._clock())
            lost = tuple(GpuSample(index=i, name=n, uuid=u, lost=True) for i, (n, u) in sorted(self._names.items()))
            return self._round(lost)
        indices = range(count)
        if self.parallel and count > 1:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=min(count, 8), thread_name_prefix="nvml")
            results = list(self._pool.map(self._one, indices))
        else:
            results = [self._one(i) for i in indices]
        gpus = tuple(gpu for gpu, _ in results)
        procs = tuple((gpu.index, p) for gpu, found in results for p in found)
        return self._round(gpus, procs)

    def _round(self, gpus: tuple[GpuSample, ...],
               procs: tuple[tuple[int, ProcessInfo], ...] = ()) -> GpuRound:
        driver, cuda = self._versions
        return GpuRound(gpus=gpus, processes=procs, error=self._error, driver_version=driver,
                        cuda_driver_version=cuda, source=self.backend.source)

    def _one(self, index: int) -> tuple[GpuSample, list[ProcessInfo]]:
        name, uuid = self._identity(index)
        try:
            return self._read_gpu(index, name, uuid)
        except _GpuLostError:
            if index not in self._lost:
                self._lost.add(index)
                self._notice(f"lost:{index}", "error",
                             msg("monitor.notice.gpu_lost", index=index, name=name))
            return GpuSample(index=index, name=name, uuid=uuid, lost=True), []

    def _identity(self, index: int) -> tuple[str, str | None]:
        if index not in self._names:
            name = self._opt(self.backend.name, index)
            if name is None:
                return "Unknown NVIDIA GPU", None  # not cached: try again next round
            self._names[index] = (name, self._opt(self.backend.uuid, index))
        return self._names[index]

    def _read_gpu(self, index: int, name: str, uuid: str | None) -> tuple[GpuSample, list[ProcessInfo]]:
        b, f = self.backend, self._field
        mem = f(b.memory, index)
        util = f(b.utilization_rates, index)
        power, limit = f(b.power_usage_mw, index), f(b.power_limit_mw, index)
        tx, rx = f(b.pcie_throughput_kib_s, index, "tx"), f(b.pcie_throughput_kib_s, index, "rx")
        sample = GpuSample(
            index=index, name=name, uuid=uuid,
            util_percent=None if util is None else float(util[0]),
            mem_util_percent=None if util is None else float(util[1]),
            mem_total_bytes=None if mem is None else mem.total,
            mem_used_bytes=None if mem is None else mem.used,
            mem_reserved_bytes=None if mem is None else mem.reserved,
            temperature_c=_float(f(b.temperature_c, index)),
            power_w=None if power is None else power / 1000.0,
            power_limit_w=None if limit is None else limit / 1000.0,
            fan_percent=_float(f(b.fan_speed_percent, index)),
            sm_clock_mhz=f(b.clock_mhz, index, "sm"),
            mem_clock_mhz=f(b.clock_mhz, index, "mem"),
            pcie_tx_bytes_s=None if tx is None else tx * 1024.0,
            pcie_rx_bytes_s=None if rx is None else rx * 1024.0,
            pstate=f(b.performance_state, index),
        )
        self._lost.discard(index)
        return sample, f(b.processes, index) or []

    def _field(self, fn: Callable[..., T], index: int, *args: object) -> T | None:
        try:
            return fn(index, *args)
        except Unavailable as exc:
            why = reason(exc)
            if why in LOST_REASONS:
                raise _GpuLostError from exc
            if why.startswith("NVMLError_") and why not in QUIET_REASONS:
                self._report(fn.__name__, why, index)
            return None

    def _report(self, fn_name: str, why: str, index: int) -> None:
        what = FIELD_NAMES.get(fn_name, fn_name)
        if why == "NVMLError_FunctionNotFound":
            text = msg("monitor.notice.field_not_found", what=what)
        elif why == "NVMLError_NoPermission":
            text = msg("monitor.notice.field_no_permission", what=what, index=index)
        else:
            text = msg("monitor.notice.field_failed", what=what, index=index, why=why.removeprefix("NVMLError_"))
        self._notice(f"field:{fn_name}:{why}", "warning", text)

    def _opt(self, fn: Callable[..., T], *args: object) -> T | None:
        try:
            return fn(*args)
        except Unavailable:
            return None


def _cuda_text(version: int | None) -> str | None:
    # As wizard.hardware.probe.cuda_version_text (12080 -> "12.8"), without importing the probe's
    # pydantic models: `monitor --once` has a 400 ms budget.
    if version is None or version <= 0:
        return None
    return f"{version // 1000}.{(version % 1000) // 10}"


def _float(value: int | None) -> float | None:
    return None if value is None else float(value)
