"""Estimates of the memory vLLM measures rather than computes (memory model §9).

A (activation peak of the profile run), N (non-torch memory), G (CUDA graph pool) and the CUDA
context are measured by vLLM at start-up; the planner models them from the profile batch, the
vocabulary and the layer geometry. Constants were fitted to the public start-up logs in
shared/calibration (see benchmarks/planner_accuracy.py); measured values from a real start-up of
the same setup replace them (calibration records).
"""

from __future__ import annotations

from dataclasses import dataclass

from wizard.model.facts import ArchitectureFacts
from wizard.planner.versions import VllmVersion

GIB = 1 << 30
MIB = 1 << 20

# Bytes per (sequence × vocab entry) the dummy sampler run peaks at: fp32 logits, probabilities,
# penalties and the top-k/top-p sort (values + int64 indices) — about seven fp32 copies.
SAMPLER_BYTES = 28
# Activation bytes per token of the profile forward, as multiples of the widest per-layer tensors.
FORWARD_FACTOR = 1.0
CUDA_CONTEXT = int(0.55 * GIB)  # CUDA context + cuBLAS handles outside torch, before the snapshot
NCCL_BUFFERS = int(0.25 * GIB)  # NCCL + custom all-reduce buffers per rank when TP/PP > 1


@dataclass(frozen=True)
class Overheads:
    activation: int
    non_torch: int
    cuda_graph: int
    context: int  # outside R: CUDA context, and NCCL buffers from 0.11


def activation_bytes(
    arch: ArchitectureFacts,
    *,
    version: VllmVersion,
    tp: int,
    batch_tokens: int,
    max_seqs: int,
    model_bytes: int,
) -> int:
    """Peak torch memory of the profile run above the weights: max(forward, sampler)."""
    h = arch.hidden_size
    q_width = arch.num_attention_heads * arch.head_dim
    kv_width = 2 * max(1, arch.num_kv_heads) * arch.head_dim
    dense_inter = arch.intermediate_size or 4 * h
    per_token = 4 * h + (q_width + kv_width) // tp + 3 * dense_inter // tp
    if arch.moe:
        inter = arch.moe.moe_intermediate_size or dense_inter
        topk = arch.moe.experts_per_token or 2
        # fused_moe intermediate caches: gate_up output, activation output, per-expert down output.
        per_token = max(per_token, topk * (3 * inter // tp + h) + 4 * h)
    forward = int(batch_tokens * per_token * model_bytes * FORWARD_FACTOR)
    seqs = min(max_seqs, batch_tokens)
    vocab = -(-arch.vocab_size // 64) * 64
    sampler = seqs * vocab * SAMPLER_BYTES
    # Forward and sampler run one after the other; the smaller leaves a little behind (hidden states).
    return max(forward, sampler) + min(forward, sampler) // 10


def non_torch_bytes(*, version: VllmVersion, tp: int, pp: int) -> int:
    base = 80 * MIB
    if (tp > 1 or pp > 1) and not version.nccl_before_snapshot:
        base += NCCL_BUFFERS  # measured inside the profile before 0.11
    return base


def cuda_graph_bytes(
    arch: ArchitectureFacts, *, layers: int, enforce_eager: bool, version: VllmVersion, max_seqs: int = 256
) -> int:
    """The graph pool: grows with the layers captured (MoE and hybrid layers capture more) and with
    the capture sizes, which run up to min(2 × max_num_seqs, 512) tokens."""
    if enforce_eager:
        return 0
    sizes = 0.5 + 0.5 * min(2 * max_seqs, 512) / 512
    per_layer = 18 * MIB
    if arch.moe:
        per_layer = 36 * MIB
    if arch.linear_attention:
        per_layer = 48 * MIB
    return int(layers * per_layer * sizes)


def context_bytes(*, version: VllmVersion, tp: int, pp: int) -> int:
    ctx = CUDA_CONTEXT
    if (tp > 1 or pp > 1) and version.nccl_before_snapshot:
        ctx += NCCL_BUFFERS
    return ctx


def estimate(
    arch: ArchitectureFacts,
    *,
    version: VllmVersion,
    tp: int,
    pp: int,
    layers: int,
    batch_tokens: int,
    max_seqs: int,
    model_bytes: int,
    enforce_eager: bool,
) -> Overheads:
    return Overheads(
        activation=activation_bytes(
            arch, version=version, tp=tp, batch_tokens=batch_tokens, max_seqs=max_seqs, model_bytes=model_bytes
        ),
        non_torch=non_torch_bytes(version=version, tp=tp, pp=pp),
        cuda_graph=cuda_graph_bytes(arch, layers=layers, enforce_eager=enforce_eager, version=version,
                                    max_seqs=max_seqs),
        context=context_bytes(version=version, tp=tp, pp=pp),
    )
