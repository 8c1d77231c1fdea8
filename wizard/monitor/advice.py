"""Plain advice from the server's numbers, each naming the vLLM setting to change.

Rules follow vllm-doctor's (KV pressure, preemption, queueing, slow TTFT / decode) with fixed
thresholds. A rule speaks only after its condition has held for `sustain` consecutive samples, so a
single busy second does not flash advice; `monitor --once` uses sustain=1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from wizard.i18n import msg
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
                  msg("monitor.advice.kv_pressure", pct=f.kv_usage_percent, waiting=f.waiting),
                  "--gpu-memory-utilization",
                  msg("monitor.advice.kv_pressure_short", pct=f.kv_usage_percent, waiting=f.waiting))


def _preemptions(f: ServerFigures) -> Advice | None:
    if not f.preemptions_recent or f.preemptions_recent <= 0:
        return None
    return Advice("preemptions", "warning",
                  msg("monitor.advice.preemptions", count=f.preemptions_recent),
                  "--max-num-seqs", msg("monitor.advice.preemptions_short", count=f.preemptions_recent))


def _queue_with_room(f: ServerFigures) -> Advice | None:
    if not f.waiting or f.kv_usage_percent is None or f.kv_usage_percent >= KV_ROOMY_PERCENT:
        return None
    return Advice("batch-limit", "info",
                  msg("monitor.advice.batch_limit", waiting=f.waiting, pct=f.kv_usage_percent),
                  "--max-num-seqs", msg("monitor.advice.batch_limit_short", waiting=f.waiting, pct=f.kv_usage_percent))


def _slow_ttft(f: ServerFigures) -> Advice | None:
    p90 = None if f.ttft is None else f.ttft.p90
    if p90 is None or p90 < SLOW_TTFT_S or f.waiting:
        return None  # with a queue, the queue is the cause and the rules above speak
    return Advice("slow-prefill", "info",
                  msg("monitor.advice.slow_prefill", p90=p90),
                  "--max-num-batched-tokens", msg("monitor.advice.slow_prefill_short", p90=p90))


def _slow_decode(f: ServerFigures) -> Advice | None:
    p90 = None if f.itl is None else f.itl.p90
    if p90 is None or p90 < SLOW_ITL_S or (f.running or 0) < BUSY_BATCH:
        return None
    return Advice("slow-decode", "info",
                  msg("monitor.advice.slow_decode", ms=p90 * 1000, running=f.running),
                  "--max-num-seqs", msg("monitor.advice.slow_decode_short", ms=p90 * 1000, running=f.running))


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
