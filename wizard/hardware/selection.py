"""Which hardware a planning command plans for: detected GPUs, or catalog GPUs named by the user."""

from __future__ import annotations

import argparse

from wizard.bounds import GPU_MEMORY_GIB, GPU_USED_GIB, check_option, compute_capability
from wizard.errors import InputError
from wizard.hardware.catalog import catalog_hardware
from wizard.hardware.facts import GIB, GpuFacts, HardwareFacts
from wizard.i18n import msg


def _cc(text: str | None) -> str | None:
    return None if text is None else compute_capability(text)


def _indices(text: str | None) -> tuple[int, ...] | None:
    if text is None:
        return None
    try:
        values = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise InputError(msg("hardware.error.gpus_format", value=text)) from None
    if not values:
        raise InputError(msg("hardware.error.gpus_format", value=text))
    return values


def hardware_for(args: argparse.Namespace) -> tuple[HardwareFacts, tuple[int, ...] | None]:
    """(hardware facts, the detected GPU indices to use or None for all)."""
    check_option("--gpu-memory", args.gpu_memory, GPU_MEMORY_GIB)
    check_option("--gpu-used", args.gpu_used, GPU_USED_GIB)
    cc = _cc(args.compute_capability)
    if args.gpu or (args.gpu_memory is not None and cc):
        hw = catalog_hardware(args.gpu, count=args.gpu_count or 1, memory_gib=args.gpu_memory,
                              used_gib=args.gpu_used, compute_capability=cc)
        return hw, None
    if args.gpu_count is not None:
        raise InputError(msg("hardware.error.gpu_count_needs_gpu"))
    from wizard.hardware.probe import probe  # noqa: PLC0415 - `plan --gpu` names the hardware: no probe or GPU backends loaded

    hw = probe()
    if not hw.gpus:
        raise InputError(msg("hardware.error.none_detected"))
    if args.gpu_memory is not None or args.gpu_used is not None or cc:
        hw = hw.model_copy(update={"gpus": tuple(_override(g, args.gpu_memory, args.gpu_used, cc) for g in hw.gpus)})
    return hw, _indices(args.gpus)


def _override(g: GpuFacts, memory_gib: float | None, used_gib: float | None, cc: str | None) -> GpuFacts:
    update: dict = {}
    if memory_gib is not None:
        update["total_bytes"] = int(memory_gib * GIB)
    if used_gib is not None:
        update["used_bytes"] = int(used_gib * GIB)
    if cc:
        update["compute_capability"] = cc
    if update:
        total = update.get("total_bytes", g.total_bytes)
        used = update.get("used_bytes", g.used_bytes) or 0
        update["free_bytes"] = None if total is None else total - used
    return g.model_copy(update=update)
