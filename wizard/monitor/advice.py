"""Plain advice from the server's numbers, each naming the vLLM setting to change.

Rules follow vllm-doctor's (KV pressure, preemption, queueing, slow TTFT / decode) with fixed
thresholds. A rule speaks only after its condition has held for `sustain` consecutive samples, so a
single busy second does not flash advice; `monitor --once` uses sustain=1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from wizard.monitor.snapshot import Advice, ServerFigures

KV_FULL_PERCENT = 90.0
KV_ROOMY_PERCENT = 50.0
SLOW_TTFT_S = 2.0
SLOW_ITL_S = 0.1  # 100 ms per token: under 10 tokens/s for each request
BUSY_BATCH = 8


def _kv_pressure(f: ServerFigures) -> Advice | None:
    if f.kv_usage_percent is None or f.kv_usage_percent < KV_FULL_PERCENT or not f.waiting:
        return None
    return Advice("kv-pressure", "warning",
                  f"KV cache {f.kv_usage_percent:.0f}% full with {f.waiting:.0f} requests waiting: vLLM cannot "
                  "admit more. Give the KV cache more memory: raise --gpu-memory-utilization if the GPU has "
                  "headroom, or set --kv-cache-dtype fp8, or lower --max-model-len.",
                  "--gpu-memory-utilization",
                  f"KV cache {f.kv_usage_percent:.0f}% full, {f.waiting:.0f} waiting")


def _preemptions(f: ServerFigures) -> Advice | None:
    if not f.preemptions_recent or f.preemptions_recent <= 0:
        return None
    return Advice("preemptions", "warning",
                  f"{f.preemptions_recent:.0f} requests were preempted recently: the KV cache ran out "
                  "mid-generation and their work is recomputed. Lower --max-num-seqs so fewer requests "
                  "share the cache (or raise --gpu-memory-utilization).",
                  "--max-num-seqs", f"{f.preemptions_recent:.0f} preempted recently")


def _queue_with_room(f: ServerFigures) -> Advice | None:
    if not f.waiting or f.kv_usage_percent is None or f.kv_usage_percent >= KV_ROOMY_PERCENT:
        return None
    return Advice("batch-limit", "info",
                  f"{f.waiting:.0f} requests wait while the KV cache is only {f.kv_usage_percent:.0f}% used: the "
                  "batch size limit holds them, not memory. Raise --max-num-seqs.",
                  "--max-num-seqs", f"{f.waiting:.0f} waiting with KV cache {f.kv_usage_percent:.0f}% used")


def _slow_ttft(f: ServerFigures) -> Advice | None:
    p90 = None if f.ttft is None else f.ttft.p90
    if p90 is None or p90 < SLOW_TTFT_S or f.waiting:
        return None  # with a queue, the queue is the cause and the rules above speak
    return Advice("slow-prefill", "info",
                  f"time to first token p90 is {p90:.1f} s with no queue: prompts are prefilled slowly. "
                  "Raise --max-num-batched-tokens so long prompts take fewer scheduler steps.",
                  "--max-num-batched-tokens", f"TTFT p90 {p90:.1f} s with no queue")


def _slow_decode(f: ServerFigures) -> Advice | None:
    p90 = None if f.itl is None else f.itl.p90
    if p90 is None or p90 < SLOW_ITL_S or (f.running or 0) < BUSY_BATCH:
        return None
    return Advice("slow-decode", "info",
                  f"each request gets a token every {p90 * 1000:.0f} ms (p90) with {f.running:.0f} requests "
                  "in the batch. Lower --max-num-seqs to trade throughput for speed per request, or spread "
                  "the model over more GPUs with --tensor-parallel-size.",
                  "--max-num-seqs", f"{p90 * 1000:.0f} ms per token with {f.running:.0f} running")


RULES: tuple[Callable[[ServerFigures], Advice | None], ...] = (
    _kv_pressure, _preemptions, _queue_with_room, _slow_ttft, _slow_decode,
)


@dataclass
class AdviceEngine:
    sustain: int = 3

    def __post_init__(self) -> None:
        self._streaks: dict[str, int] = {}

    def reset(self) -> None:
        self._streaks.clear()

    def evaluate(self, figures: ServerFigures) -> tuple[Advice, ...]:
        found: list[Advice] = []
        seen: set[str] = set()
        for rule in RULES:
            advice = rule(figures)
            if advice is None:
                continue
            seen.add(advice.rule)
            streak = self._streaks[advice.rule] = self._streaks.get(advice.rule, 0) + 1
            if streak >= self.sustain:
                found.append(advice)
        for rule_id in [r for r in self._streaks if r not in seen]:
            del self._streaks[rule_id]
        return tuple(found)
