"""This machine's RAM, for the planner's CPU-offload bound (the planner itself reads nothing)."""

from __future__ import annotations

from functools import lru_cache

GIB = 1 << 30


@lru_cache(maxsize=1)
def host_memory_bytes() -> int | None:
    """Total physical memory (psutil), read once per process; None when it cannot be read."""
    try:
        import psutil  # noqa: PLC0415 - psutil: loaded only when used, not at start-up

        return int(psutil.virtual_memory().total)
    except Exception:  # noqa: BLE001 - psutil missing or /proc unreadable (containers): the bound is then unknown
        return None


def host_memory_for(source: str, override_gib: float | None) -> int | None:
    """--host-memory when given, else this machine's RAM for detected GPUs, else unknown (catalog)."""
    if override_gib is not None:
        return int(override_gib * GIB)
    return host_memory_bytes() if source != "catalog" else None
