"""Start-up figures → the A, N, G the planner takes as measured (bytes per rank).

vLLM sizes the KV cache as avail = R − W − A − N (− G from 0.20, where the graph estimate is
deducted), so with the request R, the weights W and the available memory known from the log,
A + N (+ G) = R − W − avail exactly (to the log's 0.01 GiB rounding). Where the post-capture summary
names the terms, they are used as printed; what remains is what vLLM actually deducted for graphs.
Without a summary the whole remainder is booked as activation: the split is unknown, the sum (which
is all the KV prediction needs) is exact.

The summary line also says what the GPU held before vLLM's memory snapshot: "Free memory on device
(free/total GiB) on startup" (0.10.2+, vllm/v1/worker/gpu_worker.py `init_device` takes the
snapshot). total - free is the CUDA context, from 0.11.0 with the NCCL / custom all-reduce buffers
(initialised before the snapshot there), plus whatever other process held memory at that moment.
It is measured, so it replaces the planner's named CUDA-context term for the same setup.
"""

from __future__ import annotations

from dataclasses import dataclass

from wizard.launch.calibration.parse import StartupFigures
from wizard.planner.inputs import MeasuredOverheads
from wizard.planner.versions import VllmVersion
from wizard.i18n import msg

GIB = 1 << 30


@dataclass(frozen=True)
class Derived:
    measured: MeasuredOverheads
    requested_bytes: int | None
    how: str  # one sentence: where the numbers came from


def _b(gib: float | None) -> int | None:
    return None if gib is None else int(round(gib * GIB))


def _context(fig: StartupFigures) -> int | None:
    if fig.free_gib is None or fig.total_gib is None or fig.free_gib > fig.total_gib:
        return None
    return _b(fig.total_gib - fig.free_gib)


def derive_overheads(fig: StartupFigures, version: VllmVersion | str | None = None, *,
                     requested_bytes: int | None = None, kv_pinned: bool = False) -> Derived | None:
    """None when the log does not hold enough to say anything about A, N or G.

    `kv_pinned`: the KV size was fixed (--kv-cache-memory-bytes, VLLM_CPU_KVCACHE_SPACE), so the
    available memory says nothing about the overheads; only printed terms are used then."""
    if fig.cpu_kv_mode == "explicit":
        kv_pinned = True
    if isinstance(version, str) or version is None:
        version = VllmVersion.parse(version or fig.vllm_version or "0.33.0")
    graphs_deducted = version.subtracts_cuda_graphs
    requested = _b(fig.requested_gib) or _b(fig.cpu_requested_gib) or requested_bytes
    w, avail = _b(fig.weights_gib), _b(fig.available_kv_gib)
    total = requested - w - avail if requested is not None and w is not None and avail is not None and not kv_pinned \
        else None
    graph = _b(fig.cuda_graph_gib)

    if fig.cpu_non_kv_gib is not None:
        # CPU backend: "X GiB memory was consumed by non-kv usages" = W + A + N; no graphs on CPU.
        non_kv = _b(fig.cpu_non_kv_gib) or 0
        cpu_act = max(0, non_kv - (w or 0))
        return Derived(MeasuredOverheads(activation_bytes=cpu_act, non_torch_bytes=0, cuda_graph_bytes=0), requested,
                       "CPU back-end: non-KV memory minus the weights, booked as activation.")

    context = _context(fig)
    act, non_torch = _b(fig.split_activation_gib), _b(fig.split_non_torch_gib)
    consumed = _b(fig.split_consumed_gib)
    if non_torch is None and consumed is not None and w is not None:
        non_torch = max(0, consumed - w)  # 0.27+: "consumed" = weights + non-torch
    g: int | None
    if act is not None and non_torch is not None:
        if graphs_deducted and total is not None:
            g = max(0, total - act - non_torch)
            how = msg("launch.how.deducted")
        else:
            g = graph
            how = msg("launch.how.summary")
        return Derived(MeasuredOverheads(activation_bytes=act, non_torch_bytes=non_torch, cuda_graph_bytes=g,
                                         context_bytes=context), requested, how)
    if total is None:
        if graph is None and act is None and non_torch is None and context is None:
            return None
        return Derived(MeasuredOverheads(activation_bytes=act, non_torch_bytes=non_torch, cuda_graph_bytes=graph,
                                         context_bytes=context), requested, msg("launch.how.partial"))
    total = max(0, total)
    if graphs_deducted:
        g = min(total, graph) if graph is not None else 0
        act = total - g
        how = msg("launch.how.graph_line")
    else:
        g, act = graph, total
        how = msg("launch.how.outside")
    return Derived(MeasuredOverheads(activation_bytes=act, non_torch_bytes=0, cuda_graph_bytes=g, context_bytes=context),
                   requested, how)
