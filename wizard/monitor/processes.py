"""The process table: NVML's per-GPU process list joined with what the host knows about each PID.

NVML reports host PIDs. Inside a container without `--pid=host` those PIDs do not exist in our PID
namespace, so psutil cannot see user, CPU, command: the row keeps what NVML knows (pid, GPU memory)
and says why the rest is missing, as nvitop does. Our own vLLM is the launched PID or any of its
descendants (vLLM's engine core and TP workers are child processes, and they hold the GPU memory).
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import psutil

from wizard.i18n import msg
from wizard.hardware.backend import ProcessInfo, Unavailable
from wizard.monitor.snapshot import ProcessRole, ProcessRow

NOT_IN_NAMESPACE = msg("monitor.process.not_in_namespace")
EXITED = msg("monitor.process.exited")
NO_PERMISSION = msg("monitor.process.no_permission")


@dataclass(frozen=True)
class HostProcess:
    user: str | None = None
    cpu_percent: float | None = None
    mem_percent: float | None = None
    elapsed_s: float | None = None
    command: str | None = None
    ancestors: tuple[int, ...] = ()  # parent, grandparent, ...


class ProcessInspector(Protocol):
    def describe(self, pid: int) -> HostProcess | str:
        """Host details, or one sentence saying why there are none."""
        ...

    def forget_except(self, pids: Iterable[int]) -> None:
        """Drop per-PID state for processes that left the GPUs."""
        ...


def in_container(root: Path = Path("/")) -> bool:
    """Docker, Podman and Kubernetes leave one of these marks."""
    if (root / ".dockerenv").exists() or (root / "run/.containerenv").exists():
        return True
    try:
        cgroup = (root / "proc/1/cgroup").read_text(errors="replace")
    except OSError:
        return False
    return any(mark in cgroup for mark in ("docker", "kubepods", "containerd", "libpod"))


class PsutilInspector:
    """Host details per PID via psutil. Processes are kept between rounds (psutil measures CPU
    between two reads), and what never changes for a process (user, command line, parents) is read
    once, so a busy 8-GPU table costs a few /proc reads per second."""

    def __init__(self, *, container: bool | None = None, clock: Callable[[], float] = time.time) -> None:
        # pid -> (process, its unchanging details, its start time)
        self._procs: dict[int, tuple[psutil.Process, HostProcess, float]] = {}
        self._container = in_container() if container is None else container
        self._clock = clock

    def describe(self, pid: int) -> HostProcess | str:
        try:
            known = self._procs.get(pid)
            # is_running() also compares the start time: a reused PID is a new process.
            if known is None or not known[0].is_running():
                proc = psutil.Process(pid)
                with proc.oneshot():
                    fixed = HostProcess(user=_try(proc.username),
                                        command=_command(_try(proc.cmdline), _try(proc.name)),
                                        ancestors=tuple(p.pid for p in _try(proc.parents) or ()))
                    proc.cpu_percent(interval=None)  # starts the CPU measurement; the first sight has none
                    created = proc.create_time()
                self._procs[pid] = (proc, fixed, created)
                return dataclasses.replace(fixed, mem_percent=_try(proc.memory_percent),
                                           elapsed_s=max(0.0, self._clock() - created))
            proc, fixed, created = known
            with proc.oneshot():
                return dataclasses.replace(fixed, cpu_percent=proc.cpu_percent(interval=None),
                                           mem_percent=_try(proc.memory_percent),
                                           elapsed_s=max(0.0, self._clock() - created))
        except psutil.NoSuchProcess:
            self._procs.pop(pid, None)
            return NOT_IN_NAMESPACE if self._container else EXITED
        except psutil.AccessDenied:
            return NO_PERMISSION

    def forget_except(self, pids: Iterable[int]) -> None:
        keep = set(pids)
        for pid in [p for p in self._procs if p not in keep]:
            del self._procs[pid]


def _try(fn: Callable[[], Any]) -> Any:
    # One field refused (hidepid, another user's process) must not hide the others.
    try:
        return fn()
    except (psutil.AccessDenied, psutil.ZombieProcess):
        return None


def _command(cmdline: list[str] | None, name: str | None) -> str | None:
    if cmdline:
        return " ".join(cmdline)
    return name


class FixtureInspector:
    """Host details from a fake-GPU fixture's process entries (`process_details(pid)`); a process
    without them reads as one from another container, so demos show that case too."""

    def __init__(self, details: Callable[[int], Mapping[str, Any]]) -> None:
        self._details = details

    def describe(self, pid: int) -> HostProcess | str:
        try:
            raw = self._details(pid)
        except Unavailable:
            return NOT_IN_NAMESPACE
        cmdline = raw.get("cmdline")
        return HostProcess(
            user=raw.get("user"),
            cpu_percent=raw.get("cpu_percent"),
            mem_percent=raw.get("mem_percent"),
            elapsed_s=raw.get("elapsed_s"),
            command=" ".join(cmdline) if isinstance(cmdline, list) else cmdline,
            ancestors=tuple(raw.get("ancestors") or ()),
        )

    def forget_except(self, pids: Iterable[int]) -> None:
        pass


def looks_like_vllm(command: str | None) -> bool:
    """vLLM's API server ("vllm serve", "-m vllm.entrypoints...") and its workers ("VLLM::EngineCore")."""
    if not command:
        return False
    lowered = command.lower()
    return "vllm serve" in lowered or "vllm.entrypoints" in lowered or lowered.startswith("vllm::") \
        or os.path.basename(lowered.split(" ", 1)[0]) == "vllm"


def role_of(pid: int, host: HostProcess | str, our_pid: int | None) -> ProcessRole:
    if our_pid is not None and (pid == our_pid or (isinstance(host, HostProcess) and our_pid in host.ancestors)):
        return "ours"
    if isinstance(host, HostProcess) and looks_like_vllm(host.command):
        return "vllm"
    return "other"


def process_rows(found: Iterable[tuple[int, ProcessInfo]], inspector: ProcessInspector,
                 our_pid: int | None) -> tuple[ProcessRow, ...]:
    """One row per (GPU, process), ours first, then by GPU and GPU memory (largest first)."""
    rows: list[ProcessRow] = []
    cache: dict[int, HostProcess | str] = {}
    for gpu_index, info in found:
        host = cache.get(info.pid)
        if host is None:
            host = cache[info.pid] = inspector.describe(info.pid)
        common: dict[str, Any] = {"gpu_index": gpu_index, "pid": info.pid, "gpu_mem_bytes": info.used_bytes, "kind": info.kind,
                  "role": role_of(info.pid, host, our_pid)}
        if isinstance(host, str):
            rows.append(ProcessRow(**common, missing=host))
        else:
            rows.append(ProcessRow(**common, user=host.user, cpu_percent=host.cpu_percent,
                                   mem_percent=host.mem_percent, elapsed_s=host.elapsed_s, command=host.command))
    inspector.forget_except(cache)
    order = {"ours": 0, "vllm": 1, "other": 2}
    rows.sort(key=lambda r: (order[r.role], r.gpu_index, -(r.gpu_mem_bytes or 0), r.pid))
    return tuple(rows)
