"""The GPU sampler: per-field N/A, lost GPUs, notices once, NVML failures and recovery; and the
real NVML backend's live-sample methods against a stand-in pynvml."""

from __future__ import annotations

import threading
import time
import types

import pytest
from hardware.conftest import h100_device, make_fake_pynvml
from monitor_support import FakeClock

from wizard.hardware.backend import Unavailable
from wizard.hardware.fake_backend import FakeBackend, load_fixture
from wizard.hardware.nvml_backend import NvmlBackend
from wizard.monitor.gpu_sampler import GpuSampler
from wizard.monitor.scripted_backend import ScriptedBackend


def scripted(name: str) -> ScriptedBackend:
    label, data = load_fixture(name)
    return ScriptedBackend(data, label)


def test_a_full_sample_converts_units():
    round_ = GpuSampler(scripted("monitor-rtx4090-x2-gpu-lost")).sample()
    gpu = round_.gpus[0]
    assert round_.source == "fake" and round_.driver_version == "580.95.05" and round_.cuda_driver_version == "13.0"
    assert gpu.name == "NVIDIA GeForce RTX 4090" and not gpu.lost
    assert gpu.util_percent == 91 and gpu.power_w == 402.0 and gpu.power_limit_w == 450.0
    assert gpu.pcie_tx_bytes_s == 2100 * 1024 and gpu.sm_clock_mhz == 2520 and gpu.pstate == 2
    assert gpu.mem_percent == pytest.approx(100 * 21 * 2**30 / (25757220864 - 362807296))
    assert [(i, p.pid) for i, p in round_.processes] == [(0, 7001), (1, 7002)]


def test_unsupported_fields_are_na_without_notices():
    sampler = GpuSampler(FakeBackend.from_spec("a100-80gb-busy"))  # a fixture without live fields
    gpu = sampler.sample().gpus[0]
    assert gpu.util_percent is None and gpu.temperature_c is None and gpu.fan_percent is None
    assert gpu.mem_used_bytes == 10 * 2**30
    assert sampler.notices == ()


def test_a_gpu_that_falls_off_the_bus_is_lost_while_the_other_updates():
    sampler = GpuSampler(scripted("monitor-rtx4090-x2-gpu-lost"))
    rounds = [sampler.sample() for _ in range(6)]
    assert [r.gpus[1].lost for r in rounds] == [False, False, False, True, True, True]
    assert [r.gpus[0].util_percent for r in rounds[3:]] == [40, 12, 12]
    lost = rounds[-1].gpus[1]
    assert lost.name == "NVIDIA GeForce RTX 4090" and lost.uuid and lost.util_percent is None
    assert [p.pid for _, p in rounds[-1].processes] == [7001]
    notices = [n for n in sampler.notices if n.key == "lost:1"]
    assert len(notices) == 1 and "fell off the bus" in notices[0].message  # reported once


def test_field_failures_are_reported_once_and_nvml_failure_recovers():
    clock = FakeClock()
    sampler = GpuSampler(scripted("monitor-l4-nvml-errors"), retry_s=5.0, clock=clock)
    first = sampler.sample()
    assert first.gpus[0].fan_percent is None and first.error is None
    second = sampler.sample()
    assert second.gpus[0].power_w is None and second.gpus[0].util_percent == 63
    keys = [n.key for n in sampler.notices]
    assert keys == ["field:fan_speed_percent:NVMLError_FunctionNotFound", "field:power_usage_mw:NVMLError_Unknown"]
    third = sampler.sample()  # NVML stops answering
    assert third.error and "NVML stopped answering" in third.error
    assert [g.lost for g in third.gpus] == [True]  # last known GPUs, shown as lost meanwhile
    clock.advance(1)
    assert sampler.sample().error  # not retried before retry_s
    clock.advance(5)
    recovered = sampler.sample()
    assert recovered.error is None and recovered.gpus[0].util_percent == 70
    assert len([n for n in sampler.notices if n.key.startswith("nvml:")]) == 1


def test_nvml_missing_at_start_is_an_error_retried_later():
    clock = FakeClock()
    backend = FakeBackend.from_spec("nvml-driver-not-loaded")
    sampler = GpuSampler(backend, retry_s=5.0, clock=clock)
    round_ = sampler.sample()
    assert round_.gpus == () and "driver is not loaded" in (round_.error or "")
    backend._fixture = {**backend._fixture, "error": None, "devices": []}  # the driver got loaded
    clock.advance(6)
    assert sampler.sample().error is None


def test_parallel_sampling_overlaps_slow_reads():
    """Slow NVML reads of different GPUs run at the same time (the speed itself is measured in
    benchmarks/monitor_perf.py, not here)."""
    lock = threading.Lock()
    in_flight = 0
    most = 0

    class Slow(ScriptedBackend):
        source = "nvml"

        def pcie_throughput_kib_s(self, index, direction):
            nonlocal in_flight, most
            with lock:
                in_flight += 1
                most = max(most, in_flight)
            time.sleep(0.05)  # what NVML's PCIe counter read costs, and more
            with lock:
                in_flight -= 1
            return super().pcie_throughput_kib_s(index, direction)

        def start(self):
            pass

    label, data = load_fixture("monitor-h100-x8")
    sampler = GpuSampler(Slow(data, label))
    assert sampler.parallel
    round_ = sampler.sample()
    sampler.close()
    assert len(round_.gpus) == 8 and most > 1  # sequential sampling would never overlap two reads


# -- the real backend's new methods, against a stand-in pynvml -------------------------------------


def live_pynvml(fail=None):
    mod = make_fake_pynvml([h100_device(0), h100_device(1)], fail=fail)
    mod.NVML_TEMPERATURE_GPU = 0
    mod.NVML_CLOCK_SM, mod.NVML_CLOCK_MEM = 1, 2
    mod.NVML_PCIE_UTIL_TX_BYTES, mod.NVML_PCIE_UTIL_RX_BYTES = 0, 1
    mod.NVML_PSTATE_UNKNOWN = 32
    calls = []

    def api(name, fn):
        def wrapped(*args):
            handle = args[0]
            calls.append((name, args[1:]))
            error = (fail or {}).get((name, handle[1])) or (fail or {}).get(name)
            if error:
                raise getattr(mod, error)()
            return fn(handle[1], *args[1:])

        setattr(mod, name, wrapped)

    api("nvmlDeviceGetUtilizationRates", lambda i: types.SimpleNamespace(gpu=80 + i, memory=40))
    api("nvmlDeviceGetTemperature", lambda i, sensor: 60 + i if sensor == 0 else -1)
    api("nvmlDeviceGetPowerUsage", lambda i: 512_345)
    api("nvmlDeviceGetEnforcedPowerLimit", lambda i: 700_000)
    api("nvmlDeviceGetFanSpeed", lambda i: 30)
    api("nvmlDeviceGetClockInfo", lambda i, clock: {1: 1980, 2: 2619}[clock])
    api("nvmlDeviceGetPcieThroughput", lambda i, counter: {0: 1000, 1: 500}[counter])
    api("nvmlDeviceGetPerformanceState", lambda i: 32 if i == 1 else 0)
    mod.calls_log = calls
    return mod


def test_nvml_backend_reads_live_fields():
    backend = NvmlBackend(live_pynvml())
    backend.start()
    assert backend.utilization_rates(1) == (81, 40)
    assert backend.temperature_c(0) == 60
    assert backend.power_usage_mw(0) == 512_345 and backend.power_limit_mw(0) == 700_000
    assert backend.fan_speed_percent(0) == 30
    assert (backend.clock_mhz(0, "sm"), backend.clock_mhz(0, "mem")) == (1980, 2619)
    assert (backend.pcie_throughput_kib_s(0, "tx"), backend.pcie_throughput_kib_s(0, "rx")) == (1000, 500)
    assert backend.performance_state(0) == 0
    with pytest.raises(Unavailable):  # NVML's "unknown" performance state is N/A, not P32
        backend.performance_state(1)


def test_nvml_errors_become_na_lost_and_notices():
    mod = live_pynvml(fail={"nvmlDeviceGetFanSpeed": "NVMLError_NotSupported",
                            ("nvmlDeviceGetPowerUsage", 0): "NVMLError_Unknown",
                            ("nvmlDeviceGetUtilizationRates", 1): "NVMLError_GpuIsLost"})
    sampler = GpuSampler(NvmlBackend(mod), parallel=False)
    round_ = sampler.sample()
    gpu0, gpu1 = round_.gpus
    assert gpu0.fan_percent is None and gpu0.power_w is None and gpu0.power_limit_w == 700.0
    assert gpu1.lost and not gpu0.lost
    assert {n.key for n in sampler.notices} == {"field:power_usage_mw:NVMLError_Unknown", "lost:1"}
    sampler.close()
    assert mod.calls["shutdown"] == 1
