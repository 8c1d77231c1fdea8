"""A stream of requests through one server: batch size from the KV cache, queueing, fill and drain.

A benchmark that sends N requests at once (`vllm bench serve` at an unbounded rate) does not run
at one batch size: vLLM admits requests while KV-cache blocks and max-num-seqs allow, keeps that
batch busy while the queue lasts (each step also prefills the prompts of the requests replacing
finished ones), and finally drains. This models the three phases with the step model, so such
measurements can be compared with it, and a chooser can ask "how much does this setting serve".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from wizard.perf.inputs import PerfInputs
from wizard.perf.step import Step, step

Limit = Literal["max_num_seqs", "kv_cache", "requests", "client"]


@dataclass(frozen=True, slots=True)
class Workload:
    requests: int
    prompt_tokens: float  # mean prompt length
    output_tokens: float  # mean output length
    # Spread of output lengths (std / mean): requests with longer outputs stay in the batch
    # longer, so the average running request holds more context than the average request.
    output_cv: float = 1.0
    concurrency: int | None = None  # a client-side cap (--max-concurrency); None: all at once


@dataclass(frozen=True, slots=True)
class ServeEstimate:
    batch: int
    limited_by: Limit
    occupancy_tokens: float  # KV tokens held by the average running request
    duration_s: float
    output_tokens_per_s: float
    total_tokens_per_s: float
    step_ms: float  # a steady step (decode plus the prefill share): the mean time per output token
    ttft_ms: float  # mean time to first token, queueing included


def _cycle(inp: PerfInputs, decode: int, ctx: float, prefill: int = 0) -> float:
    if inp.pp == 1:
        return step(inp, decode, ctx, prefill).total
    micro = max(1, math.ceil(decode / inp.pp))
    st: Step = step(inp, micro, ctx, math.ceil(prefill / inp.pp))
    return inp.pp * max(st.gpu + inp.pp_latency, st.cpu)


def serve(inp: PerfInputs, work: Workload, *, kv_tokens: int, block_size: int = 16) -> ServeEstimate:
    n, p, o = work.requests, work.prompt_tokens, max(1.0, work.output_tokens)
    occupancy = p + o * (1 + work.output_cv ** 2) / 2 + block_size / 2
    limits: dict[Limit, int] = {"max_num_seqs": inp.max_num_seqs, "requests": n,
              "kv_cache": max(1, int(kv_tokens // occupancy)) if kv_tokens > 0 else 1}
    if work.concurrency:
        limits["client"] = work.concurrency
    limited_by: Limit = min(limits, key=limits.__getitem__)
    batch = max(1, limits[limited_by])

    chunk = max(1, inp.max_batched_tokens)
    fill_tokens = batch * p
    fill = math.ceil(fill_tokens / chunk) * _cycle(inp, 0, 0.0, min(chunk, int(fill_tokens)))
    steady_step = _cycle(inp, batch, occupancy, round(batch * p / o))
    steady = max(0, n - batch) * o * steady_step / batch
    drain = _drain(inp, batch, occupancy, o)
    duration = fill + steady + drain
    admitted_late = max(0, n - batch)
    ttft = (batch * fill / 2 + admitted_late * (fill + steady / 2)) / n + steady_step
    return ServeEstimate(
        batch=batch, limited_by=limited_by, occupancy_tokens=occupancy, duration_s=duration,
        output_tokens_per_s=n * o / duration, total_tokens_per_s=n * (p + o) / duration,
        step_ms=steady_step * 1e3, ttft_ms=ttft * 1e3,
    )


def _drain(inp: PerfInputs, batch: int, ctx: float, output: float) -> float:
    """Time for the last `batch` requests to finish once nothing waits: with memoryless output
    lengths, going from b running requests to b - 1 takes output / b steps at batch b."""
    total, b = 0.0, batch
    while b >= 1:
        low = max(1, b // 2)
        # sum over batch sizes low+1..b (or just 1) of output / b, evaluated at the bucket's middle
        weight = sum(output / x for x in range(low + 1 if b > 1 else 1, b + 1))
        total += weight * _cycle(inp, (low + b + 1) // 2, ctx)
        if b == 1:
            break
        b = low
    return total
