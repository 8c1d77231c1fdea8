"""The Sampler: one sampling round (GPUs, host, processes, server) -> an immutable MonitorSnapshot,
and the loop that repeats it at `interval_s` in a worker thread and publishes each snapshot.

Nothing here touches a UI: the live screen runs `run(publish, stop)` in a Textual thread worker and
posts each snapshot to the event loop; `monitor --once` calls `sample()` once. The server is polled
in a second thread while live, so a server that times out never delays the GPU view.
"""

from __future__ import annotations

import dataclasses
import threading
from functools import partial
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from wizard.i18n import msg
from wizard.monitor.gpu_backend import SamplingBackend, sampling_backend
from wizard.monitor.gpu_sampler import GpuRound, GpuSampler
from wizard.monitor.history import GpuHistory, points_for
from wizard.monitor.host import HostSource, PsutilHost
from wizard.monitor.processes import FixtureInspector, ProcessInspector, PsutilInspector, process_rows
from wizard.monitor.snapshot import HostSample, MonitorSnapshot, Notice, ProcessRow, ServerSample
from wizard.monitor.target import ServerTarget, resolve_target, target_from_processes

if TYPE_CHECKING:
    from wizard.monitor.server import ServerWatch

Publish = Callable[[MonitorSnapshot], None]
Discover = Callable[[tuple[ProcessRow, ...]], "ServerTarget | None"]
DISCOVER_EVERY_S = 5.0  # how often vLLM processes are looked at for a server while none is watched


def discover_from_rows(rows: tuple[ProcessRow, ...], *, parents: bool = True) -> ServerTarget | None:
    """The server behind the vLLM processes on the GPUs (target.target_from_processes); `parents`
    False reads only the rows' own command lines (fake GPUs: their PIDs are not this machine's)."""
    vllm = [r for r in rows if r.role in ("vllm", "ours")]
    if not vllm:
        return None
    commands = {r.pid: r.command or "" for r in vllm}
    if parents:
        return target_from_processes([r.pid for r in vllm], commands)
    return target_from_processes([r.pid for r in vllm], commands, chain=lambda pid: [])


@dataclass(frozen=True)
class MonitorConfig:
    """Everything `vllm-wizard monitor` and the app's monitor mode can be told."""

    interval_s: float = 1.0
    url: str | None = None
    launch_record: Path | None = None
    use_last_launch: bool = True  # fall back to wizard.launch.latest_launch() when it exists
    history_s: float = 300.0
    timeout_s: float = 2.0
    window_s: float = 60.0  # latency percentiles and preemptions cover this much time


class Sampler:
    def __init__(self, config: MonitorConfig, *, gpu: GpuSampler, host: HostSource,
                 inspector: ProcessInspector, server: ServerWatch | None = None,
                 wall: Callable[[], float] = time.time, discover: Discover | None = None) -> None:
        self.config = config
        # With no server named, one is looked for behind the vLLM processes (None: never).
        self.discover = discover
        self._discovered_at = -DISCOVER_EVERY_S
        self._stop: threading.Event | None = None  # the live loop's, once it runs
        self.gpu = gpu
        self.host = host
        self.inspector = inspector
        self.server = server
        self.history = GpuHistory(points_for(config.history_s, config.interval_s))
        self._wall = wall
        self._notices: dict[str, Notice] = {}
        self._notices_lock = threading.Lock()  # the server thread reports failures too
        self._server_latest: ServerSample | None = None
        self._paused = threading.Event()
        self._wake = threading.Event()
        self.last: MonitorSnapshot | None = None

    @classmethod
    def from_config(cls, config: MonitorConfig, *, env: Mapping[str, str] | None = None,
                    backend: SamplingBackend | None = None, host: HostSource | None = None,
                    inspector: ProcessInspector | None = None, target: ServerTarget | None = None,
                    sustain: int = 3) -> Sampler:
        """The real thing, with any part replaceable (tests, snapshots, benchmarks)."""
        backend = sampling_backend(env) if backend is None else backend
        if inspector is None:
            details = getattr(backend, "process_details", None)
            inspector = FixtureInspector(details) if backend.source == "fake" and details else PsutilInspector()
        if target is None:
            target = resolve_target(config.url, config.launch_record, use_latest=config.use_last_launch)
        server = None
        if target is not None:
            # urllib and the HTTP machinery load only when there is a server to watch.
            from wizard.monitor.server import ServerWatch  # noqa: PLC0415 - urllib and the HTTP machinery load only when there is a server to watch

            server = ServerWatch(target, timeout=config.timeout_s, window_s=config.window_s, sustain=sustain)
        return cls(config, gpu=GpuSampler(backend), host=host or PsutilHost(), inspector=inspector,
                   server=server, discover=None if server is not None else
                   partial(discover_from_rows, parents=backend.source != "fake"))

    # -- one round -------------------------------------------------------------------------------

    def sample(self, *, settle_s: float = 0.0, poll_server: bool = True) -> MonitorSnapshot:
        """One snapshot. `settle_s` > 0 reads the processes twice that far apart, so their CPU % is
        measured even on the first round (`monitor --once`)."""
        try:
            round_ = self.gpu.sample()
            our_pid = self.server.target.pid if self.server else None
            rows = process_rows(round_.processes, self.inspector, our_pid)
            if self.server is None:
                self._maybe_discover(rows)
            primed = time.monotonic()
            server = self._server_latest
            if poll_server and self.server is not None:
                server = self._poll_server()
            if settle_s > 0:
                # The HTTP round trip above already counts towards the settle time.
                time.sleep(max(0.0, settle_s - (time.monotonic() - primed)))
                rows = process_rows(round_.processes, self.inspector, our_pid)
            host = self.host.sample()
            snapshot = self._compose(round_, rows, host, server)
        except Exception as exc:  # noqa: BLE001 - a bug in one round must not kill the view: say it once, go on
            self._notice(f"internal:{type(exc).__name__}", msg("monitor.notice.sampling_failed",
                                                               kind=type(exc).__name__, error=str(exc)))
            base = self.last or MonitorSnapshot(taken_at=self._wall(), interval_s=self.config.interval_s)
            snapshot = dataclasses.replace(base, taken_at=self._wall(), notices=self._all_notices())
        self.last = snapshot
        return snapshot

    def _maybe_discover(self, rows: tuple[ProcessRow, ...]) -> None:
        now = time.monotonic()
        if self.discover is None or now - self._discovered_at < DISCOVER_EVERY_S:
            return
        self._discovered_at = now
        target = self.discover(rows)
        if target is None:
            return
        from wizard.monitor.server import ServerWatch  # noqa: PLC0415 - urllib and the HTTP machinery load only when there is a server to watch

        self.server = ServerWatch(target, timeout=self.config.timeout_s, window_s=self.config.window_s)
        if self._stop is not None:  # live: poll it in its own thread, as a named server is
            self._start_server_loop(self._stop)

    def _start_server_loop(self, stop: threading.Event) -> None:
        # Daemon and never joined: it may sit in an HTTP timeout, and it ends at its next check.
        threading.Thread(target=self._server_loop, args=(stop,), name="monitor-server", daemon=True).start()

    def _poll_server(self) -> ServerSample:
        assert self.server is not None
        try:
            sample = self.server.poll()
        except Exception as exc:  # noqa: BLE001 - a failing server read is a notice, not a crash
            self._notice(f"server:{type(exc).__name__}", msg("monitor.notice.server_failed", error=str(exc)))
            sample = ServerSample(state="unreachable", url=self.server.target.url, detail=str(exc))
        self._server_latest = sample
        return sample

    def _compose(self, round_: GpuRound, rows: tuple[ProcessRow, ...], host: HostSample,
                 server: ServerSample | None) -> MonitorSnapshot:
        self.history.add(round_.gpus)
        return MonitorSnapshot(
            taken_at=self._wall(), interval_s=self.config.interval_s, paused=self.paused,
            driver_version=round_.driver_version, cuda_driver_version=round_.cuda_driver_version,
            gpu_source=round_.source, gpu_error=round_.error, gpus=round_.gpus, host=host,
            processes=rows, server=server or ServerSample(), notices=self._all_notices(),
            history=self.history.snapshot(),
        )

    def _notice(self, key: str, message: str) -> None:
        with self._notices_lock:
            self._notices.setdefault(key, Notice(key, "error", message))

    def _all_notices(self) -> tuple[Notice, ...]:
        with self._notices_lock:
            return self.gpu.notices + tuple(self._notices.values())

    # -- the live loop ---------------------------------------------------------------------------

    @property
    def paused(self) -> bool:
        return self._paused.is_set()

    def pause(self) -> None:
        self._paused.set()
        self._wake.set()

    def resume(self) -> None:
        self._paused.clear()
        self._wake.set()

    def run(self, publish: Publish, stop: threading.Event) -> None:
        """Sample every `interval_s` until `stop` is set; blocks (run it in a worker thread).
        While paused, no NVML or HTTP call is made."""
        self._stop = stop
        if self.server is not None:
            self._start_server_loop(stop)
        interval = max(0.05, self.config.interval_s)
        try:
            while not stop.is_set():
                started = time.monotonic()
                if self.paused:
                    if self.last is not None and not self.last.paused:
                        self.last = dataclasses.replace(self.last, paused=True)
                        publish(self.last)
                else:
                    publish(self.sample(poll_server=False))
                self._wake.clear()
                self._wait(stop, interval - (time.monotonic() - started))
        finally:
            stop.set()
            self.gpu.close()

    def _wait(self, stop: threading.Event, seconds: float) -> None:
        # Wake early on stop, pause or resume, so the keys feel instant.
        deadline = time.monotonic() + max(0.0, seconds)
        while not stop.is_set() and not self._wake.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self._wake.wait(min(left, 0.25))

    def _server_loop(self, stop: threading.Event) -> None:
        interval = max(0.05, self.config.interval_s)
        while not stop.is_set():
            started = time.monotonic()
            if not self.paused:
                self._poll_server()
            stop.wait(max(0.0, interval - (time.monotonic() - started)))

    def close(self) -> None:
        self.gpu.close()
