"""What the monitor needs from a GPU backend on top of the probe's `GpuBackend`, and which one to use.

The probe reads static facts once; the monitor reads live figures every second. Both real backends
(NvmlBackend, FakeBackend) implement these extra methods additively, and ScriptedBackend plays them
over time. Each method answers one figure or raises `Unavailable` (N/A); the reason travels as the
exception text, the NVML error class name for the real backend ("NVMLError_GpuIsLost"), so the
sampler can tell a lost GPU from an unsupported field.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Literal, Protocol, runtime_checkable

from wizard import envvars as ev
from wizard.hardware.backend import GpuBackend, Unavailable
from wizard.hardware.fake_backend import load_fixture
from wizard.hardware.nvml_backend import NvmlBackend
from wizard.monitor.scripted_backend import ScriptedBackend

# NVML reasons that mean "this GPU is gone" rather than "this field is missing".
LOST_REASONS = frozenset({"NVMLError_GpuIsLost"})
# Reasons that are the normal way of saying N/A and never deserve a notice.
QUIET_REASONS = frozenset({"NVMLError_NotSupported"})


@runtime_checkable
class SamplingBackend(GpuBackend, Protocol):
    # Called once at the start of every sampling round (a scripted fixture moves to its next frame).
    def begin_sample(self) -> None: ...

    # (GPU %, memory-controller %) over NVML's last sample period.
    def utilization_rates(self, index: int) -> tuple[int, int]: ...

    def temperature_c(self, index: int) -> int: ...

    # Milliwatts, as NVML reports them.
    def power_usage_mw(self, index: int) -> int: ...

    def power_limit_mw(self, index: int) -> int: ...

    def fan_speed_percent(self, index: int) -> int: ...

    def clock_mhz(self, index: int, domain: Literal["sm", "mem"]) -> int: ...

    # KiB/s, as NVML reports them.
    def pcie_throughput_kib_s(self, index: int, direction: Literal["tx", "rx"]) -> int: ...

    def performance_state(self, index: int) -> int: ...


def reason(exc: Unavailable) -> str:
    """The NVML error class name (or the fake's key) an `Unavailable` carries."""
    return str(exc.args[0]) if exc.args else "unavailable"


def sampling_backend(env: Mapping[str, str] | None = None) -> SamplingBackend:
    """The scripted/JSON fake when VLLM_WIZARD_FAKE_GPUS is set, else real NVML (imported lazily)."""
    env = os.environ if env is None else env
    spec = env.get(ev.FAKE_GPUS, "").strip()
    if spec:
        label, data = load_fixture(spec)
        # A fixture without a "script" plays as one frame forever: the plain fake.
        return ScriptedBackend(data, label)

    return NvmlBackend()
