"""Helpers for the monitor tests (importable as `monitor_support`): the /metrics fixtures, fake clocks,
scripted server answers, and deterministic samplers (scripted GPUs, fixed host) for Pilot and snapshots."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from wizard.hardware.fake_backend import load_fixture
from wizard.monitor.gpu_sampler import GpuSampler
from wizard.monitor.host import StaticHost
from wizard.monitor.metrics_client import FetchResult
from wizard.monitor.processes import FixtureInspector
from wizard.monitor.sampler import MonitorConfig, Sampler
from wizard.monitor.scripted_backend import ScriptedBackend
from wizard.monitor.server import ServerWatch
from wizard.monitor.snapshot import HostSample, MonitorSnapshot
from wizard.monitor.target import ServerTarget

FIXTURES = Path(__file__).parent / "fixtures"
RELEASES = ("v0.6.3", "v0.8.5", "v0.11.0")
GIB = 1 << 30
# 2026-11-21 14:30:00 UTC: the clock every snapshot shows.
WALL = 1795271400.0
HOST = HostSample(cpu_percent=23.5, cpu_count=64, load_avg=(7.1, 6.8, 6.2), mem_used_bytes=211 * GIB,
                  mem_total_bytes=503 * GIB, swap_used_bytes=0, swap_total_bytes=8 * GIB, hostname="gpu-box-7")


def metrics_text(release: str, t: int = 0) -> str:
    return (FIXTURES / f"metrics-{release}-t{t}.txt").read_text()


@dataclass
class MetricsServer:
    """What the fake vLLM answers; tests change these fields while it runs."""

    url: str = ""
    health_status: int = 200
    metrics: list[str] = field(default_factory=list)  # served in turn; the last one repeats
    delay_s: float = 0.0
    hits: dict[str, int] = field(default_factory=lambda: {"/health": 0, "/metrics": 0})

    def next_metrics(self) -> str:
        return self.metrics.pop(0) if len(self.metrics) > 1 else (self.metrics[0] if self.metrics else "")


class FakeClock:
    def __init__(self, t: float = 1000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


class ScriptedClient:
    """Stands in for MetricsClient: answers a list of FetchResults in turn (the last repeats)."""

    def __init__(self, results: list[FetchResult]) -> None:
        self.results = list(results)
        self.calls = 0

    def fetch(self) -> FetchResult:
        self.calls += 1
        return self.results.pop(0) if len(self.results) > 1 else self.results[0]


def up(release: str, t: int) -> FetchResult:
    return FetchResult("up", metrics_text=metrics_text(release, t))


def scripted_sampler(fixture: str, *, server: list[FetchResult] | None = None, pid: int | None = 4242,
                     interval_s: float = 1.0) -> tuple[Sampler, FakeClock]:
    """A Sampler whose every input is scripted: GPUs from a fixture, a fixed host, a scripted server."""
    clock = FakeClock()
    label, data = load_fixture(fixture)
    backend = ScriptedBackend(data, label)
    watch = None
    if server is not None:
        target = ServerTarget(url="http://127.0.0.1:8000", pid=pid, log_path="/home/ubuntu/.cache/vllm-wizard/"
                              "launch-2026-11-21.log")
        watch = ServerWatch(target, client=ScriptedClient(server), clock=clock)  # type: ignore[arg-type]
    sampler = Sampler(MonitorConfig(interval_s=interval_s), gpu=GpuSampler(backend, parallel=False, clock=clock),
                      host=StaticHost(HOST), inspector=FixtureInspector(backend.process_details), server=watch,
                      wall=lambda: WALL)
    return sampler, clock


def run_rounds(sampler: Sampler, clock: FakeClock, rounds: int, step: float = 1.0) -> MonitorSnapshot:
    snap = None
    for _ in range(rounds):
        snap = sampler.sample()
        clock.advance(step)
    assert snap is not None
    return snap


SamplerFactory = Callable[..., tuple[Sampler, FakeClock]]
