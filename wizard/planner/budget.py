"""The per-GPU VRAM budget bar's arithmetic: segments in bytes and cells, from a plan's rank figures.

Left to right: memory other processes hold and the CUDA context (both outside vLLM's request),
then the request itself — weights, activation peak, non-torch, CUDA graphs (inside the request from
0.20, captured after it before), KV cache — and free headroom. The request line marks where
gpu_memory_utilization × total ends. Rendering (colours, characters) is the UI's job; the sums are
done here, where they are tested against the plan.
"""

from __future__ import annotations

from dataclasses import dataclass

from wizard.i18n import Message, msg
from wizard.planner.plan import Plan, RankBudget
from wizard.planner.versions import VllmVersion

GIB = 1 << 30
# The legend's words, rendered in the user's language by the screen (catalog area planner).
LABELS: dict[str, Message] = {
    "others": msg("planner.budget.others"), "context": msg("planner.budget.context"),
    "weights": msg("planner.budget.weights"), "activation": msg("planner.budget.activation"),
    "non_torch": msg("planner.budget.non_torch"), "cuda_graph": msg("planner.budget.cuda_graph"),
    "kv_cache": msg("planner.budget.kv_cache"), "free": msg("planner.budget.free"),
}


@dataclass(frozen=True)
class Segment:
    kind: str
    bytes: int
    cells: int = 0

    @property
    def gib(self) -> float:
        return self.bytes / GIB

    @property
    def label(self) -> Message:
        return msg("planner.budget.segment", what=LABELS[self.kind], gib=self.gib)


@dataclass(frozen=True)
class Bar:
    gpu_index: int
    total: int
    segments: tuple[Segment, ...]
    request_end: int  # bytes from the left where vLLM's request (others + context + u·T) ends
    request_cell: int
    overflow: int  # bytes the plan needs beyond the GPU's total (0 when it fits)


def segments_for(rank: RankBudget, *, graphs_in_request: bool) -> list[Segment]:
    """Bytes per segment in drawing order. A negative KV budget draws as zero KV plus overflow."""
    kv = max(0, rank.kv_cache)
    inside = ["weights", "activation", "non_torch"] + (["cuda_graph"] if graphs_in_request else []) + ["kv_cache"]
    order = ["others", "context", *inside] + ([] if graphs_in_request else ["cuda_graph"])
    values = {"others": rank.others, "context": rank.context, "weights": rank.weights,
              "activation": rank.activation, "non_torch": rank.non_torch, "cuda_graph": rank.cuda_graph,
              "kv_cache": kv}
    used = sum(values[k] for k in order)
    return [Segment(k, values[k]) for k in order] + [Segment("free", max(0, rank.total - used))]


def layout_bar(rank: RankBudget, width: int, *, graphs_in_request: bool) -> Bar:
    """Segments with cell widths summing exactly to `width` (largest remainders take the spare cells)."""
    segs = segments_for(rank, graphs_in_request=graphs_in_request)
    needed = sum(s.bytes for s in segs)
    scale = max(rank.total, needed)
    exact = [s.bytes * width / scale if scale else 0.0 for s in segs]
    cells = [int(e) for e in exact]
    for i in sorted(range(len(segs)), key=lambda i: exact[i] - cells[i], reverse=True)[: width - sum(cells)]:
        cells[i] += 1
    request_end = rank.others + rank.context + rank.requested
    request_cell = min(width, round(request_end * width / scale)) if scale else 0
    return Bar(
        gpu_index=rank.gpu_index, total=rank.total,
        segments=tuple(Segment(s.kind, s.bytes, c) for s, c in zip(segs, cells)),
        request_end=request_end, request_cell=request_cell, overflow=max(0, needed - rank.total),
    )


def bars(plan: Plan, width: int) -> list[Bar]:
    graphs_in = VllmVersion.parse(plan.version).subtracts_cuda_graphs
    return [layout_bar(r, width, graphs_in_request=graphs_in) for r in plan.ranks]
