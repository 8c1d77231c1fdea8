"""This machine's RAM, for the planner's CPU-offload bound (the planner itself reads nothing)."""

from __future__ import annotations

import re
from functools import lru_cache

from wizard import bounds as b
from wizard.errors import InputError
from wizard.i18n import msg

GIB = 1 << 30
# What people type after the figure: "64", "64 GiB", "64G", "64gb" all mean 64 GiB here, as
# --host-memory and `free -g` count.
_UNIT = re.compile(r"\s*(gib|gb|g)\s*$", re.IGNORECASE)


@lru_cache(maxsize=1)
def host_memory_bytes() -> int | None:
    """Total physical memory (psutil), read once per process; None when it cannot be read."""
    try:
        import psutil  # noqa: PLC0415 - psutil: loaded only when used, not at start-up

        return int(psutil.virtual_memory().total)
    except Exception:  # noqa: BLE001 - psutil missing or /proc unreadable (containers): the bound is then unknown
        return None


def planned_host_memory(source: str, override_gib: float | None, detected: int | None) -> int | None:
    """The host RAM a plan is bounded by: the user's figure, else the detected RAM when the plan is
    for this machine's GPUs, else unknown (a catalog GPU lives in some other server)."""
    if override_gib is not None:
        return int(override_gib * GIB)
    return detected if source != "catalog" else None


def host_memory_for(source: str, override_gib: float | None) -> int | None:
    """--host-memory when given, else this machine's RAM for detected GPUs, else unknown (catalog)."""
    needed = override_gib is None and source != "catalog"
    return planned_host_memory(source, override_gib, host_memory_bytes() if needed else None)


def parse_host_memory_gib(text: str) -> float | None:
    """Host RAM as typed in the app ("64", "64 GiB", "512G"), in GiB; empty is None (the detected
    figure). Checked against the same physical range as --host-memory; InputError names the fix."""
    raw = _UNIT.sub("", text.strip())
    if not raw:
        return None
    try:
        return b.parse_float(raw, b.HOST_MEMORY_GIB)
    except b.OutOfBounds as exc:
        raise InputError(msg("appctl.host_memory.invalid", text=b.shown(text.strip()), reason=exc.reason)) from None
