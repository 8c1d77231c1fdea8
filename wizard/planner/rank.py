"""Rank candidate plans by the user's priority, with the performance model.

Every candidate that reaches here is predicted to start. The key, most important first:
1. goals met: the context (a pinned max-model-len, the goal, or the priority's length), then the
   concurrency;
2. no extreme CPU offload (past half a GPU's weights: a 4-bit load is offered instead);
3. for balanced and quality: the fewest lossy settings (fp8 KV or fp8 weights count 1, 4-bit 2);
4. no offload at all; then, when the context goal is missed, the longest context;
5. the priority's measure, in TIE-wide buckets: throughput and balanced score aggregate decode
   tokens/s at the goal concurrency (else what the KV cache holds), latency one request's
   decode tokens/s, context the longest max-model-len; balanced then one request's speed;
6. ties: more GPUs (the user rented them), fewer lossy settings, cheaper stage, more KV cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from wizard.planner.candidates import lossy
from wizard.planner.predict import Prediction

if TYPE_CHECKING:
    from wizard.perf import Performance
    from wizard.planner.choose import Draft
    from wizard.planner.inputs import PlanRequest

TIE = 0.03  # a 3% difference is inside the performance model's own error: not "strictly better"


@dataclass
class Scored:
    pred: Prediction
    draft: Draft
    stage: int
    perf: Performance | None = None
    meets_context: bool = False
    meets_concurrency: bool = False
    extreme: bool = False  # CPU offload past half the weights or below a token per second

    @property
    def gpus(self) -> int:
        s = self.pred.settings
        return s.tensor_parallel_size * s.pipeline_parallel_size

    @property
    def meets(self) -> bool:
        return self.meets_context and self.meets_concurrency


def rank_concurrency(pred: Prediction, request: PlanRequest) -> int:
    """The concurrency the figures are scored at: the goal, else what the KV cache holds."""
    if request.goals.concurrency:
        return request.goals.concurrency
    return max(1, min(pred.settings.max_num_seqs, int(pred.concurrency)))


def metric(c: Scored, priority: str) -> float | None:
    """The priority's measure (bigger is better); None when the performance model has no figure."""
    if priority == "context":
        return float(c.pred.settings.max_model_len)
    if c.perf is None:
        return None
    if priority == "latency":
        return c.perf.decode_single
    return c.perf.aggregate


def _bucket(value: float | None, best: float | None) -> int:
    """0 for the best and anything within TIE of it; otherwise how many TIE steps below."""
    if value is None or not best:
        return 0
    gap = (best - value) / best
    return 0 if gap <= TIE else 1 + int(gap / TIE)


def order(cands: list[Scored], request: PlanRequest) -> list[Scored]:
    """Best first."""
    priority = request.goals.priority
    model = request.model
    values = {id(c): metric(c, priority) for c in cands}
    known = [v for v in values.values() if v is not None]
    best = max(known) if known else None
    single = [c.perf.decode_single for c in cands if c.perf and c.perf.decode_single]
    best_single = max(single) if single else None

    def key(c: Scored) -> tuple:
        # 4-bit weights cost more accuracy than fp8 weights or an fp8 KV cache
        n_lossy = sum(2 if x == "bitsandbytes" else 1 for x in lossy(c.pred.settings.model_dump(), model))
        lossy_first = n_lossy if priority in {"quality", "balanced"} else 0
        offload = c.pred.settings.cpu_offload_gb
        return (
            not c.meets_context, not c.meets_concurrency, c.extreme, lossy_first, offload > 0,
            0 if c.meets_context else -c.pred.settings.max_model_len,
            _bucket(values[id(c)], best),
            _bucket(c.perf.decode_single if c.perf else None, best_single) if priority == "balanced" else 0,
            -c.gpus, n_lossy, c.stage, -c.pred.kv_tokens,
        )

    return sorted(cands, key=key)


def describe_figure(c: Scored, priority: str) -> tuple[str, float | None]:
    """Which measure the reason quotes, and its value."""
    if priority == "context":
        return "context", float(c.pred.settings.max_model_len)
    if priority == "latency" or c.perf is not None and c.perf.concurrency == 1:
        return "single", c.perf.decode_single if c.perf else None
    return "aggregate", c.perf.aggregate if c.perf else None
