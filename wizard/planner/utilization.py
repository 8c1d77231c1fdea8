"""The highest gpu_memory_utilization the wizard plans, suggests, or lets pass without a warning:
one value for the chooser, every re-plan and fix, the launch diagnosis, and `check`.

vLLM sizes the KV cache from its start-up profile; serving then meets peaks the profile does not
hold (sampler batches, long prefills, allocator fragmentation). Seed 000 (shared/seeds/) ran out of
memory under load at 0.95 with a 64K context and held at 0.92, which is also vLLM's own default
from 0.20 (config/cache.py).
"""

from __future__ import annotations

UTIL_CEILING = 0.92


def above_ceiling(util: float) -> bool:
    """Past the ceiling (a rounding hair above it is not)."""
    return util > UTIL_CEILING + 0.005
