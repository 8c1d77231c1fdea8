"""The memory vLLM measures at start-up rather than computes (memory model §9), per rank.

Derived from the mechanism: the activation peak of the release's dummy profile batch (the forward
over max_num_batched_tokens, then the release's sampler on the rows it samples, only on the ranks
that sample; wizard.releases.profile). Empirical, and named as such: the CUDA context (by driver)
and the communication buffers (NCCL, custom all-reduce; by topology), plus the small non-torch
baseline (cuBLAS workspaces). They are the only fitted numbers (benchmarks/planner_accuracy.py
fits and cross-checks them era against era), shown in the plan as estimates, and replaced by a
measured value from `calibrate` when one exists. The CUDA-graph pool is estimated from the layers
captured.
"""

from __future__ import annotations

from dataclasses import dataclass

from wizard.model.facts import ArchitectureFacts
from wizard.planner.versions import VllmVersion
from wizard.releases import multimodal as mm
from wizard.releases import profile as rp

GIB = 1 << 30
MIB = 1 << 20
FORWARD_FACTOR = 1.0  # activation bytes per token of the forward, in units of its widest tensors


@dataclass(frozen=True)
class EmpiricalTerms:
    """The named physical terms no source code fixes (bytes per rank)."""

    cuda_context: int = int(0.50 * GIB)  # CUDA context + cuBLAS/cuDNN handles (driver 535-570 class)
    non_torch_base: int = 80 * MIB  # non-torch growth of a single-GPU profile (workspaces, allocator)
    # NCCL channels x peers, plus custom all-reduce IPC buffers where the GPUs reach each other over
    # NVLink / P2P; PCIe without P2P uses NCCL alone; across nodes NCCL's network proxies add more.
    comm_p2p_base: int = int(0.75 * GIB)
    comm_p2p_per_peer: int = int(0.18 * GIB)
    comm_pcie_base: int = int(0.05 * GIB)
    comm_pcie_per_peer: int = int(0.04 * GIB)
    comm_node_per_peer: int = int(0.45 * GIB)


TERMS = EmpiricalTerms()
_P2P_NAMES = ("h100", "h200", "h800", "h20", "a100-sxm", "a800", "b200", "b300", "gh200", "gb200", "v100-sxm")


@dataclass(frozen=True)
class Overheads:
    activation: int
    non_torch: int  # non-torch growth the budget deducts (communication buffers included where measured there)
    cuda_graph: int
    context: int  # outside R: CUDA context, and NCCL buffers from 0.11
    comm: int = 0  # the communication-buffer share of non_torch or context
    cuda_context: int = 0  # the CUDA-context share of context
    context_measured: bool = False
    comm_measured: bool = False


def link_kind(gpu_name: str, *, custom_all_reduce: bool, nodes: int) -> str:
    """"node" across machines, "p2p" for NVLink/NVSwitch boards with custom all-reduce, else "pcie"."""
    if nodes > 1:
        return "node"
    name = gpu_name.lower()
    return "p2p" if custom_all_reduce and any(n in name for n in _P2P_NAMES) else "pcie"


def comm_bytes(*, tp: int, pp: int, link: str, terms: EmpiricalTerms | None = None) -> int:
    t = terms or TERMS
    peers = (tp - 1) + (1 if pp > 1 else 0)
    if peers <= 0:
        return 0
    if link == "node":
        return t.comm_pcie_base + peers * t.comm_node_per_peer
    if link == "p2p" and tp > 1:
        return t.comm_p2p_base + peers * t.comm_p2p_per_peer
    return t.comm_pcie_base + peers * t.comm_pcie_per_peer


def forward_bytes(arch: ArchitectureFacts, *, tp: int, batch_tokens: int, model_bytes: int) -> int:
    """Peak of the dummy forward: gate_up + activation + residual stream + attention projections."""
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
    return int(batch_tokens * per_token * model_bytes * FORWARD_FACTOR)


def sampler_bytes(arch: ArchitectureFacts, batch: rp.ProfileBatch) -> int:
    vocab = -(-arch.vocab_size // 64) * 64
    return batch.sampler_rows * vocab * batch.sampler_bytes_per_entry


def activation_bytes(
    arch: ArchitectureFacts, *, batch: rp.ProfileBatch, tp: int, model_bytes: int, samples: bool
) -> int:
    """Peak torch memory of the profile run above the weights on one rank: the forward, or the
    sampler with the last hidden states still alive, whichever is higher; ranks that do not sample
    only run the forward."""
    forward = forward_bytes(arch, tp=tp, batch_tokens=batch.tokens, model_bytes=model_bytes)
    if not samples:
        return forward
    hidden = batch.tokens * arch.hidden_size * model_bytes
    return max(forward, sampler_bytes(arch, batch) + hidden)


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


def context_bytes(*, version: VllmVersion, tp: int, pp: int, link: str = "p2p") -> int:
    """What sits on the GPU before vLLM's snapshot: the CUDA context, and from 0.11 the NCCL buffers."""
    ctx = TERMS.cuda_context
    if not rp.comm_inside_budget(version.engine, version.key):
        ctx += comm_bytes(tp=tp, pp=pp, link=link)
    return ctx


def estimate(
    arch: ArchitectureFacts,
    *,
    version: VllmVersion,
    tp: int,
    pp: int,
    layers: int,
    batch: rp.ProfileBatch,
    model_bytes: int,
    enforce_eager: bool,
    samples: bool,
    link: str,
    max_seqs: int,
    encoder: mm.EncoderProfile | None = None,
) -> Overheads:
    """`encoder`: the multimodal encoder pass that runs before the text dummy run (V1), whose
    outputs stay held through it."""
    comm = comm_bytes(tp=tp, pp=pp, link=link)
    inside = rp.comm_inside_budget(version.engine, version.key)
    activation = activation_bytes(arch, batch=batch, tp=tp, model_bytes=model_bytes, samples=samples)
    if encoder is not None:
        activation = encoder.peak(activation)
    return Overheads(
        activation=activation,
        non_torch=TERMS.non_torch_base + (comm if inside else 0),
        cuda_graph=cuda_graph_bytes(arch, layers=layers, enforce_eager=enforce_eager, version=version,
                                    max_seqs=max_seqs),
        context=TERMS.cuda_context + (0 if inside else comm),
        comm=comm, cuda_context=TERMS.cuda_context,
    )
