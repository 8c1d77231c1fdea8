"""Host CPU / RAM / swap / load for the host panel, from psutil (already a dependency).

psutil's CPU percentage is "since the previous call": the sampler is built once and asked every
round, and the constructor makes the priming call so the first real sample is meaningful.
"""

from __future__ import annotations

import os
import socket
from typing import Any, Protocol

import psutil

from wizard.monitor.snapshot import HostSample


class HostSource(Protocol):
    def sample(self) -> HostSample: ...


class PsutilHost:
    def __init__(self) -> None:
        psutil.cpu_percent(interval=None)  # prime: the first call always answers 0.0
        self._hostname = socket.gethostname()
        self._cpus = psutil.cpu_count(logical=True)

    def sample(self) -> HostSample:
        mem = psutil.virtual_memory()
        swap = _swap()
        try:
            load: tuple[float, float, float] | None = os.getloadavg()
        except (AttributeError, OSError):  # not on Windows
            load = None
        return HostSample(
            cpu_percent=psutil.cpu_percent(interval=None),
            cpu_count=self._cpus,
            load_avg=load,
            # total - available, as `free` and nvitop count "used": page cache is not pressure.
            mem_used_bytes=int(mem.total - mem.available),
            mem_total_bytes=int(mem.total),
            swap_used_bytes=None if swap is None else int(swap.used),
            swap_total_bytes=None if swap is None else int(swap.total),
            hostname=self._hostname,
        )


def _swap() -> Any:
    try:
        return psutil.swap_memory()
    except (RuntimeError, OSError):  # some containers hide /proc/swaps' sources
        return None


class StaticHost:
    """Always the same host figures: tests, snapshots and demos."""

    def __init__(self, sample: HostSample) -> None:
        self._sample = sample

    def sample(self) -> HostSample:
        return self._sample
