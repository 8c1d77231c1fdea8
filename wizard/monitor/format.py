"""Short, fixed-width renderings of monitor figures, shared by `monitor --once` and the screens.

Every function maps None to "N/A", so no caller can print a missing figure as 0.
"""

from __future__ import annotations

NA = "N/A"
GIB = 1 << 30


def pct(value: float | None, digits: int = 0) -> str:
    return NA if value is None else f"{value:.{digits}f}%"


def gib(value: int | float | None, digits: int = 1) -> str:
    return NA if value is None else f"{value / GIB:.{digits}f}"


def mem_pair(used: int | None, total: int | None) -> str:
    """"62.1/79.2 GiB" (total as CUDA counts it: the caller passes total minus reserved)."""
    if used is None and total is None:
        return NA
    return f"{gib(used)}/{gib(total)} GiB"


def watts(value: float | None) -> str:
    return NA if value is None else f"{value:.0f}"


def power_pair(draw: float | None, limit: float | None) -> str:
    if draw is None and limit is None:
        return NA
    return f"{watts(draw)}/{watts(limit)} W"


def celsius(value: float | None, *, ascii_only: bool = False) -> str:
    # Pipes may be ASCII-only (LANG=C in a cron job): nvidia-smi prints "67C" there too.
    return NA if value is None else f"{value:.0f}{'C' if ascii_only else '°C'}"


def mhz(value: int | None) -> str:
    return NA if value is None else f"{value}"


def rate_bytes(value: float | None) -> str:
    """Bytes per second, in the largest unit that keeps it short (PCIe ranges from KB/s to 60 GB/s)."""
    if value is None:
        return NA
    for unit, size in (("GB/s", 1e9), ("MB/s", 1e6), ("KB/s", 1e3)):
        if value >= size:
            return f"{value / size:.1f} {unit}"
    return f"{value:.0f} B/s"


def rate_pair(up: float | None, down: float | None) -> str:
    """"↑3.6 ↓2.1 MB/s": both directions in the unit of the larger one."""
    if up is None and down is None:
        return NA
    top = max(v for v in (up, down) if v is not None)
    unit, size = next(((u, s) for u, s in (("GB/s", 1e9), ("MB/s", 1e6), ("KB/s", 1e3)) if top >= s), ("B/s", 1.0))
    digits = 0 if size == 1.0 else 1

    def one(v: float | None) -> str:
        return NA if v is None else f"{v / size:.{digits}f}"

    return f"↑{one(up)} ↓{one(down)} {unit}"


def pstate(value: int | None) -> str:
    return NA if value is None else f"P{value}"


def duration(seconds: float | None) -> str:
    """Elapsed time as ps prints it: MM:SS, HH:MM:SS, or D-HH:MM:SS."""
    if seconds is None:
        return NA
    total = int(seconds)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}-{hours:02d}:{minutes:02d}:{secs:02d}"
    if hours:
        return f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{minutes:02d}:{secs:02d}"


def number(value: float | None, digits: int = 0) -> str:
    return NA if value is None else f"{value:,.{digits}f}"


def latency(seconds: float | None) -> str:
    """Milliseconds below one second (inter-token latencies), seconds above."""
    if seconds is None:
        return NA
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def usable_total(total: int | None, reserved: int | None) -> int | None:
    """The memory a process can allocate: NVML's total minus the driver's reservation (memory v2)."""
    if total is None:
        return None
    return total - (reserved or 0)


def short_gpu_name(name: str) -> str:
    """"NVIDIA GeForce RTX 4090" -> "RTX 4090": the vendor is known, the columns are narrow."""
    for prefix in ("NVIDIA ", "GeForce ", "Tesla "):
        name = name.removeprefix(prefix)
    return name


def mb_s(value: float | None) -> str:
    return NA if value is None else f"{value / 1e6:.1f}"
