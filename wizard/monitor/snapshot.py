"""Typed, immutable monitor snapshots: the only thing the sampler hands to the screens and the CLI.

Every measured field is Optional and None means "not available" (N/A), never zero, as in
wizard.hardware.facts. Frozen dataclasses (not pydantic) because a snapshot is built every second
for up to eight GPUs and `monitor --once` must start fast.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

ServerState = Literal["up", "starting", "down", "unreachable", "none"]
ProcessRole = Literal["ours", "vllm", "other"]
Severity = Literal["info", "warning", "error"]


@dataclass(frozen=True, slots=True)
class GpuSample:
    """One GPU at one moment. `lost` GPUs keep their identity and drop every live figure."""

    index: int
    name: str
    uuid: str | None = None
    lost: bool = False
    util_percent: float | None = None
    mem_util_percent: float | None = None  # memory-controller (bandwidth) utilization
    mem_total_bytes: int | None = None
    mem_used_bytes: int | None = None
    mem_reserved_bytes: int | None = None
    temperature_c: float | None = None
    power_w: float | None = None
    power_limit_w: float | None = None
    fan_percent: float | None = None
    sm_clock_mhz: int | None = None
    mem_clock_mhz: int | None = None
    pcie_tx_bytes_s: float | None = None
    pcie_rx_bytes_s: float | None = None
    pstate: int | None = None  # 0 (max performance) .. 15; None when NVML answers "unknown"

    @property
    def mem_percent(self) -> float | None:
        """Used share of the memory a process can allocate (total minus the driver's reserve)."""
        if self.mem_used_bytes is None or not self.mem_total_bytes:
            return None
        usable = self.mem_total_bytes - (self.mem_reserved_bytes or 0)
        return 100.0 * self.mem_used_bytes / usable if usable > 0 else None

    @property
    def power_percent(self) -> float | None:
        if self.power_w is None or not self.power_limit_w:
            return None
        return 100.0 * self.power_w / self.power_limit_w


@dataclass(frozen=True, slots=True)
class HostSample:
    cpu_percent: float | None = None
    cpu_count: int | None = None
    load_avg: tuple[float, float, float] | None = None
    mem_used_bytes: int | None = None
    mem_total_bytes: int | None = None
    swap_used_bytes: int | None = None
    swap_total_bytes: int | None = None
    hostname: str | None = None

    @property
    def mem_percent(self) -> float | None:
        if self.mem_used_bytes is None or not self.mem_total_bytes:
            return None
        return 100.0 * self.mem_used_bytes / self.mem_total_bytes


@dataclass(frozen=True, slots=True)
class ProcessRow:
    """One process on one GPU. NVML always knows pid and (usually) GPU memory; the host side may not.

    `missing` says why the host-side fields are N/A (another container's PID namespace, no
    permission, the process just exited), so the user is told rather than shown blanks.
    """

    gpu_index: int
    pid: int
    gpu_mem_bytes: int | None = None
    kind: str = "compute"
    user: str | None = None
    cpu_percent: float | None = None
    mem_percent: float | None = None
    elapsed_s: float | None = None
    command: str | None = None
    role: ProcessRole = "other"
    missing: str | None = None


@dataclass(frozen=True, slots=True)
class Percentiles:
    """Latency percentiles in seconds, from a Prometheus histogram. `window_s` None = since start."""

    p50: float | None = None
    p90: float | None = None
    p99: float | None = None
    count: float = 0.0
    window_s: float | None = None


@dataclass(frozen=True, slots=True)
class Advice:
    """A plain-language recommendation; `setting` is the vLLM flag to change, `summary` the finding
    in a few words (narrow screens show "summary -> setting")."""

    rule: str
    severity: Severity
    message: str
    setting: str
    summary: str = ""


@dataclass(frozen=True, slots=True)
class ServerFigures:
    """What the server's /metrics say, as a person reads it (wizard.monitor.server_stats computes them)."""

    running: float | None = None
    waiting: float | None = None
    kv_usage_percent: float | None = None
    prefix_hit_percent: float | None = None
    prompt_tokens_s: float | None = None
    generation_tokens_s: float | None = None
    preemptions_total: float | None = None
    preemptions_recent: float | None = None  # preemptions within the rate window
    ttft: Percentiles | None = None
    itl: Percentiles | None = None  # inter-token latency (older releases: time per output token)
    e2e: Percentiles | None = None


@dataclass(frozen=True, slots=True)
class ServerSample:
    """The watched server at one moment: who it is, how it is, and (when up) its figures."""

    state: ServerState = "none"
    url: str | None = None
    detail: str | None = None  # why it is starting/down/unreachable, in one sentence
    model: str | None = None
    pid: int | None = None
    log_path: str | None = None
    retry_in_s: float | None = None
    metric_names: Literal["v0", "v1-old", "v1", "unknown"] | None = None
    # Flattened into the server's JSON object in this position (`monitor --once --json` is flat).
    figures: ServerFigures = field(default_factory=ServerFigures)
    advice: tuple[Advice, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for name, value in dataclasses.asdict(self).items():
            if name == "figures":
                data.update(value)
            else:
                data[name] = value
        return data


@dataclass(frozen=True, slots=True)
class Notice:
    """A failure shown once (the UI notifies when a new key appears); `key` deduplicates."""

    key: str
    severity: Severity
    message: str


@dataclass(frozen=True, slots=True)
class MonitorSnapshot:
    taken_at: float  # wall clock (time.time()) for display
    interval_s: float
    paused: bool = False
    driver_version: str | None = None
    cuda_driver_version: str | None = None
    gpu_source: str | None = None  # "nvml" | "fake"
    gpu_error: str | None = None  # the whole GPU side failed (no driver...): one sentence
    gpus: tuple[GpuSample, ...] = ()
    host: HostSample = field(default_factory=HostSample)
    processes: tuple[ProcessRow, ...] = ()
    server: ServerSample = field(default_factory=ServerSample)
    notices: tuple[Notice, ...] = ()
    # Sparkline series per GPU index: {"util": (...), "mem": (...), "power": (...)}, oldest first.
    history: dict[int, dict[str, tuple[float | None, ...]]] = field(default_factory=dict)

    def to_dict(self, *, with_history: bool = False) -> dict[str, Any]:
        """Plain JSON-ready data (`monitor --once --json`); derived percentages included."""
        data = dataclasses.asdict(self)
        data["server"] = self.server.to_dict()
        if not with_history:
            data.pop("history")
        else:
            data["history"] = {str(k): v for k, v in self.history.items()}
        for gpu, raw in zip(self.gpus, data["gpus"]):
            raw["mem_percent"] = _round(gpu.mem_percent)
            raw["power_percent"] = _round(gpu.power_percent)
        data["host"]["mem_percent"] = _round(self.host.mem_percent)
        return data


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
