"""Fixed-size history of per-GPU figures for the sparklines (util, memory, power as % of limit).

A deque per (GPU, series) bounded by the history length, so memory stays flat however long the
monitor runs (300 points x 3 series x 8 GPUs at the default 5 minutes at 1 Hz). None (N/A or a lost
GPU) is kept as a gap rather than a zero, so a sparkline does not show a fake drop.
"""

from __future__ import annotations

import math
from collections import deque

from wizard.monitor.snapshot import GpuSample

SERIES = ("util", "mem", "power")


def points_for(history_s: float, interval_s: float) -> int:
    """How many samples cover `history_s` at one sample every `interval_s` (at least 2)."""
    return max(2, math.ceil(history_s / max(interval_s, 1e-3)))


class GpuHistory:
    def __init__(self, points: int) -> None:
        self.points = points
        self._series: dict[int, dict[str, deque[float | None]]] = {}

    def add(self, gpus: tuple[GpuSample, ...]) -> None:
        for gpu in gpus:
            series = self._series.setdefault(gpu.index, {s: deque(maxlen=self.points) for s in SERIES})
            series["util"].append(gpu.util_percent)
            series["mem"].append(gpu.mem_percent)
            series["power"].append(gpu.power_percent)

    def snapshot(self) -> dict[int, dict[str, tuple[float | None, ...]]]:
        # Tuples: the snapshot is immutable and shared with the UI thread.
        return {index: {name: tuple(values) for name, values in series.items()}
                for index, series in self._series.items()}

    def clear(self) -> None:
        self._series.clear()
