"""The time of one engine step on the busiest rank, from bytes, FLOPs, links and overheads.

A step runs `decode` sequences one token each plus `prefill` prompt tokens. Each part is a
roofline (the larger of its memory time and its compute time): the linear layers (weights read
once per step, experts only as far as the step's tokens touch them), attention (the KV cache of
every decoding sequence), activations and sampling. On top come the per-kernel costs of the
release's CUDA-graph mode, tensor-parallel all-reduces, offloaded weights crossing the host link,
and the engine's CPU time per step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from wizard.perf import constants as k
from wizard.perf.inputs import PerfInputs
from wizard.releases.kernels import moe_token_tile


# Not frozen: frozen dataclasses set every field through object.__setattr__, which costs more
# than the arithmetic in a chooser's inner loop. Treat instances as read-only.
@dataclass(slots=True)
class Step:
    gpu: float  # GPU-side time of one stage: kernels, launch gaps, all-reduces, offload traffic
    cpu: float  # engine CPU time per step
    total: float  # one stage's step as the engine sees it (CPU overlapped only with async scheduling)
    memory: float  # the parts of `gpu` bound by HBM bandwidth
    compute: float  # the parts bound by tensor-core throughput
    offload: float
    comm: float
    overhead: float  # launch gaps and CPU time the GPU waits for
    touched_experts: float
    compute_floor: bool  # a compute term used the fp32 floor because a tensor rate is unknown


def _ratio(num: float, rate: float | None) -> float:
    return num / rate if rate else 0.0


def step(inp: PerfInputs, decode: int, ctx: float, prefill: int = 0, prefill_ctx: float = 0.0) -> Step:
    """`ctx`: mean context of the decoding sequences; `prefill_ctx`: tokens before the prefill chunk."""
    s = inp.shape
    bw = inp.bandwidth or 0.0
    m = decode + prefill
    sampled = decode + (1 if prefill else 0)
    floor = False

    touched = s.experts * (1.0 - (1.0 - s.top_k / s.experts) ** m) if s.experts else 0.0
    expert_frac = touched / s.experts if s.experts else 0.0
    offload_read = 0.0
    if inp.offload_bytes:
        share = inp.offload_expert_frac
        if inp.offload_mode == "uva":
            offload_read = inp.offload_bytes * ((1 - share) + share * expert_frac)
        else:
            offload_read = inp.offload_bytes

    weights = s.dense_bytes + s.expert_bytes * expert_frac + s.lm_head_bytes
    if inp.offload_mode == "uva":
        weights -= offload_read  # those bytes come over the host link instead of HBM
    dk = inp.dense_kernel
    rebuilt = dk.family == "reconstruct" and dk.reconstruct_above is not None and m > dk.reconstruct_above
    if rebuilt:
        weights += 4.0 * s.quant_params  # write a 16-bit copy of every weight, then read it
    t_wmem = _ratio(weights, bw)

    qp = inp.dense_peak if rebuilt else inp.quant_peak
    dp, ep = inp.dense_peak, inp.expert_peak
    if qp is None or dp is None or ep is None:
        floor = True
        qp, dp, ep = qp or inp.fp32_floor, dp or inp.fp32_floor, ep or inp.fp32_floor
    expert_rows = 0.0
    if s.experts and m:
        # each touched expert's tokens are padded up to whole tiles of the fused-MoE GEMM
        tile = moe_token_tile(m, s.experts)
        expert_rows = touched * math.ceil(m * s.top_k / max(touched, 1e-9) / tile) * tile
    flops_time = (2.0 * m * (_ratio(s.quant_params, qp) + _ratio(s.dense_params - s.quant_params, dp))
                  + 2.0 * expert_rows * _ratio(s.expert_params, ep)
                  + 2.0 * sampled * _ratio(s.lm_head_params, dp))
    t_linear = max(t_wmem, flops_time)
    mem, comp = (t_wmem, 0.0) if t_wmem >= flops_time else (0.0, flops_time)

    window = s.window or 0
    swa_ctx = min(ctx, window) if window else ctx
    kv = decode * (ctx * s.kv_bytes_per_token + swa_ctx * s.swa_bytes_per_token + s.state_bytes_per_seq)
    pf_ctx = prefill_ctx + prefill / 2.0
    attn_flops = (decode * (ctx * s.attn_flops_per_ctx + swa_ctx * s.swa_flops_per_ctx)
                  + prefill * (pf_ctx * s.attn_flops_per_ctx + (min(pf_ctx, window) if window else pf_ctx)
                               * s.swa_flops_per_ctx))
    attn_peak = inp.attn_peak
    if attn_peak is None:
        floor = True
        attn_peak = inp.fp32_floor
    t_kv, t_attn_c = _ratio(kv, bw), _ratio(attn_flops, attn_peak)
    if t_kv >= t_attn_c:
        mem += t_kv
    else:
        comp += t_attn_c
    t_other = _ratio(m * s.act_bytes_per_token + sampled * s.vocab * k.SAMPLER_BYTES_PER_LOGIT, bw)
    mem += t_other
    # fixed cost per quantized GEMV call, part of the weight-streaming time at small batches
    calls = s.quant_calls_per_step * k.QUANT_GEMM_CALL_S if dk.family in {"weight_only", "reconstruct"} and not rebuilt else 0.0
    mem += calls
    t_kernels = t_linear + max(t_kv, t_attn_c) + t_other + calls

    mode = inp.graphs.mode(m, prefill == 0)
    if mode == "full":
        launched = t_kernels + s.kernels_per_step * k.GRAPH_KERNEL_GAP_S
    elif mode == "piecewise":
        launched = max(t_kernels + s.kernels_per_step * k.GRAPH_KERNEL_GAP_S, s.layers * k.PIECEWISE_LAYER_CPU_S)
    else:
        launched = max(t_kernels, s.kernels_per_step * k.EAGER_KERNEL_LAUNCH_S)

    comm = 0.0
    if inp.tp > 1 and inp.tp_link is not None:
        size = m * s.hidden * inp.act_bytes
        per = inp.tp_link.latency_s + _ratio(2.0 * (inp.tp - 1) / inp.tp * size, inp.tp_bw)
        comm = 2 * s.layers * per
    t_off = _ratio(offload_read, inp.host_bw)
    gpu = launched + comm + t_off
    seqs = decode + (1 if prefill else 0)
    cpu = inp.step_cpu + inp.seq_cpu * seqs
    total = max(gpu, cpu) if inp.async_scheduling else gpu + cpu
    overhead = (launched - t_kernels) + (total - gpu)
    return Step(gpu, cpu, total, mem, comp, t_off, comm, overhead, touched, floor)


def pipeline_cycle(inp: PerfInputs, seqs: int, ctx: float) -> tuple[float, Step]:
    """Time for every one of `seqs` decoding sequences to get its next token.

    With pipeline parallelism the batch is split into up to PP micro-batches that follow each
    other through the stages; one token of a sequence needs a pass through all of them.
    """
    if inp.pp == 1:
        st = step(inp, seqs, ctx)
        return st.total, st
    micro = math.ceil(seqs / inp.pp)
    st = step(inp, micro, ctx)
    send = inp.pp_latency + _ratio(micro * inp.shape.hidden * inp.act_bytes, inp.pp_bw)
    if seqs < inp.pp:
        return inp.pp * (st.gpu + send) + st.cpu, st
    return inp.pp * max(st.gpu + send, st.cpu), st


def prefill_time(inp: PerfInputs, prompt: int) -> tuple[float, Step]:
    """Time to first token for one `prompt`-token request on an idle server (chunked as the
    release chunks it)."""
    chunk = inp.max_batched_tokens if inp.chunked_prefill else max(prompt, inp.max_batched_tokens)
    chunk = max(1, min(chunk, prompt))
    full, rest = divmod(prompt, chunk)
    send = 0.0
    total = 0.0
    st = step(inp, 0, 0.0, chunk, max(0, (full - 1)) * chunk / 2.0) if full else None
    if st is not None:
        if inp.pp > 1:
            send = inp.pp_latency + _ratio(chunk * inp.shape.hidden * inp.act_bytes, inp.pp_bw)
        total += full * (st.total if inp.pp == 1 else inp.pp * (st.gpu + send) + st.cpu)
    if rest:
        last = step(inp, 0, 0.0, rest, full * chunk)
        if inp.pp > 1:
            send = inp.pp_latency + _ratio(rest * inp.shape.hidden * inp.act_bytes, inp.pp_bw)
        total += last.total if inp.pp == 1 else inp.pp * (last.gpu + send) + last.cpu
        st = st or last
    assert st is not None
    return total, st
