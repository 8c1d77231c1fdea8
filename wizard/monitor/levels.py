"""How loaded a figure is, as a level the UI maps to a colour: the thresholds live here, not in screens.

Thresholds follow nvitop (GPU util 10/75 %, memory 10/80 %) so users moving from nvitop see the same
colours; temperatures follow the slowdown region of current datacentre GPUs (~85-90 C).
"""

from __future__ import annotations

from typing import Literal

Level = Literal["na", "low", "moderate", "high"]


def _level(value: float | None, moderate: float, high: float) -> Level:
    if value is None:
        return "na"
    if value >= high:
        return "high"
    return "moderate" if value >= moderate else "low"


def util_level(percent: float | None) -> Level:
    return _level(percent, 10, 75)


def memory_level(percent: float | None) -> Level:
    return _level(percent, 10, 80)


def temperature_level(celsius: float | None) -> Level:
    return _level(celsius, 75, 85)


def power_level(percent: float | None) -> Level:
    return _level(percent, 50, 90)


def kv_level(percent: float | None) -> Level:
    # 90 % is where vLLM starts to queue and preempt (see advice.KV_FULL_PERCENT).
    return _level(percent, 70, 90)
