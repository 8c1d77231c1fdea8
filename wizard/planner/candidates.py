"""What the chooser may try: parallel shapes over the selected GPUs, and setting variants per stage.

A shape (tp, pp) is allowed when the heads and KV heads split (or replicate) evenly over TP and
every pipeline stage gets layers. Shapes that use every selected GPU are always tried; fewer GPUs
only in the sizes an expert would compare (1, and halves), so a smaller shape can win only by a
prediction, never by omission. Where peer-to-peer groups are known, TP stays inside a group and PP
crosses groups.

Variants come in stages of rising cost; the search stops at the first stage that meets the goals:
  0 vLLM's defaults on the shape,
  1 free remedies (utilization up to what the free memory allows),
  2 fp8 KV cache (halves bytes per token; a small accuracy cost),
  3 fewer sequences in the profile batch, then eager mode (both slow decoding),
  4 weights: online fp8 or in-flight bitsandbytes 4-bit, then CPU offload within host RAM.
"""

from __future__ import annotations

import math
from wizard.hardware.facts import GpuFacts, HardwareFacts
from wizard.i18n import msg
from wizard.model.facts import ModelFacts
from wizard.planner import parallel

GIB = 1 << 30
STAGES = (0, 1, 2, 3, 4)
# Offloaded weights live in pinned host memory; the OS, the API server and the loader need the rest.
HOST_MARGIN_MIN = 4 * GIB
HOST_MARGIN_FRACTION = 0.10


def host_budget(host_bytes: int | None) -> int | None:
    """Bytes of host RAM offloading may use: total minus a margin (None: unknown)."""
    if host_bytes is None:
        return None
    return max(0, host_bytes - max(HOST_MARGIN_MIN, int(host_bytes * HOST_MARGIN_FRACTION)))


def _valid_tp(model: ModelFacts, tp: int) -> bool:
    return model.arch.num_attention_heads % tp == 0 and parallel._kv_fits(model, tp)


def tp_groups_p2p(hardware: HardwareFacts, gpus: list[GpuFacts], tp: int, pp: int) -> bool | None:
    """Whether every TP group (consecutive ranks) is peer-to-peer connected; None if unknown."""
    verdict: bool | None = True
    for stage in range(pp):
        group = [g.index for g in gpus[stage * tp:(stage + 1) * tp]]
        ok = hardware.all_pairs_p2p(group) if len(group) > 1 else True
        if ok is False:
            return False
        if ok is None:
            verdict = None
    return verdict


def shapes(model: ModelFacts, hardware: HardwareFacts, gpus: list[GpuFacts], pinned: dict) -> list[tuple[int, int]]:
    """(tp, pp) shapes to compare, all-GPU shapes first."""
    n_gpus = len(gpus)
    layers = max(1, model.arch.num_layers)
    tp_pin, pp_pin = pinned.get("tensor_parallel_size"), pinned.get("pipeline_parallel_size")
    if tp_pin and pp_pin:
        return [(tp_pin, pp_pin)]
    sizes = [n_gpus] + [n for n in sorted({1, n_gpus // 2, n_gpus // 4}, reverse=True) if 1 <= n < n_gpus]
    out: list[tuple[int, int]] = []
    for n in sizes:
        here: list[tuple[int, int]] = []
        for tp in range(n, 0, -1):
            if n % tp:
                continue
            pp = n // tp
            if tp_pin and tp != tp_pin or pp_pin and pp != pp_pin:
                continue
            if not tp_pin and not _valid_tp(model, tp) or pp > layers:
                continue
            here.append((tp, pp))
        if not tp_pin and not pp_pin:
            # Among shapes of one size keep TP inside peer-to-peer groups when some shape can.
            inside = [s for s in here if tp_groups_p2p(hardware, gpus, *s) is not False]
            if any(s[0] > 1 for s in inside):
                here = inside
            # Pipeline parallel beyond what TP cannot cover only adds bubbles: keep the two
            # largest TP sizes (e.g. TP 4 and TP 2 x PP 2 on four GPUs).
            here = here[:2]
        out += [s for s in here if s not in out]
    if not out and tp_pin:
        out = [(tp_pin, max(1, n_gpus // tp_pin))] if not pp_pin else [(tp_pin, pp_pin)]
    return out or [(tp_pin or 1, pp_pin or 1)]


def offload_steps(per_gpu_needed: float, per_gpu_max: float, n_ranks: int, host_limit: int | None) -> list[float]:
    """cpu-offload-gb values (GiB per GPU) to try, within what may be offloaded: the estimate of the
    least that fits, and two smaller ones, since the estimate adds margins the prediction may not
    need. Each is predicted; the ranking keeps the smallest that starts (less offload decodes faster)."""
    if per_gpu_needed <= 0:
        return []
    gb = math.ceil(per_gpu_needed / GIB)
    steps = sorted({gb, math.ceil(gb * 3 / 4), math.ceil(gb / 2)}, reverse=True)
    return [float(g) for g in steps
            if g * GIB <= per_gpu_max and (host_limit is None or g * GIB * n_ranks <= host_limit)]


def lossy(values: dict, model: ModelFacts) -> list[str]:
    """The settings that trade accuracy: online weight quantization and an fp8 KV cache."""
    out = []
    if model.quantization is None and values.get("quantization"):
        out.append(values["quantization"])
    if str(values.get("kv_cache_dtype", "auto")).startswith("fp8"):
        out.append("fp8_kv")
    return out


def describe_shape(tp: int, pp: int, heads: int, used: int, total: int, p2p_groups: bool) -> str:
    """One sentence on the parallel shape itself (the scoring sentence follows it)."""
    if used == 1 and total == 1:
        return msg("chooser.shape.one_of_one")
    if used == 1:
        return msg("chooser.shape.one", total=total)
    if pp == 1:
        return msg("chooser.shape.tp", tp=tp, heads=heads)
    if tp == 1:
        if heads and heads % pp == 0:
            return msg("chooser.shape.pp_layers", pp=pp)
        return msg("chooser.shape.pp", pp=pp, heads=heads)
    if p2p_groups:
        return msg("chooser.shape.tp_pp_groups", tp=tp, pp=pp)
    return msg("chooser.shape.tp_pp", tp=tp, pp=pp, heads=heads)
