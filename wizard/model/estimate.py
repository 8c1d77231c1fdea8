"""Weights from the architecture alone, for a folder (or repo) that has config.json but no weights.

Counts the parameters of every role the way the standard HF implementations lay them out (gated
MLP, separate q/k/v/o, MLA low-rank paths, GDN and Mamba2 mixers), and sizes them in the config's
dtype, or in the declared quantization's packed width for the layers it covers. Vision towers and
MTP layers are not described by the text config and are left out; the caller says so in its notes.
"""

from __future__ import annotations

from dataclasses import dataclass

from wizard.model.config import ParsedConfig
from wizard.model.facts import ArchitectureFacts, LinearAttentionFacts, QuantizationFacts, WeightFacts

# torch dtype name -> (safetensors dtype, bytes per element)
_DTYPES = {
    "bfloat16": ("BF16", 2), "float16": ("F16", 2), "half": ("F16", 2),
    "float32": ("F32", 4), "float": ("F32", 4),
}
_LINEAR_ROLES = frozenset({"attn_qo", "attn_kv", "mla_kv", "mlp", "experts", "linear_attn"})
# Model types whose MLP is up/down only (relu^2 / GELU), without a gate projection.
_UNGATED_MLP = {"nemotron_h", "gpt2", "gpt_bigcode", "gptj", "gpt_neox", "falcon", "bloom", "phi", "starcoder2",
                "opt", "mpt"}


@dataclass(frozen=True)
class MlpLayout:
    """Which layers hold a dense MLP or routed experts, and whether the MLP is gated."""

    dense_layers: int
    moe_layers: int
    gated: bool = True


def mlp_layout(parsed: ParsedConfig) -> MlpLayout:
    """Read from the config keys that say which layers carry experts (ArchitectureFacts does not)."""
    f, arch = parsed.section, parsed.arch
    mt = f.text("model_type") or parsed.model_type
    gated = mt not in _UNGATED_MLP
    pattern = f.text("hybrid_override_pattern")
    if pattern is not None:  # Nemotron-H: "-" blocks are MLPs, "E" blocks are MoE
        return MlpLayout(pattern.count("-"), pattern.count("E"), gated)
    n, moe = arch.num_layers, arch.moe
    if moe is None:
        return MlpLayout(n, 0, gated)
    period = f.integer("expert_layer_period", minimum=1)
    if period:  # Jamba: experts every period-th layer from the offset
        offset = f.integer("expert_layer_offset") or 0
        sparse = sum(1 for i in range(n) if i % period == offset)
    else:  # Qwen-MoE's sparse step and dense-only list; DeepSeek's leading dense layers
        step = f.integer("decoder_sparse_step", minimum=1) or 1
        dense_only = {i for i in f.array("mlp_only_layers") or [] if isinstance(i, int)}
        sparse = sum(1 for i in range(moe.first_dense_layers, n) if i not in dense_only and (i + 1) % step == 0)
    return MlpLayout(n - sparse, sparse, gated)


def estimate_weights(
    arch: ArchitectureFacts, quant: QuantizationFacts | None = None, *, mlp: MlpLayout | None = None
) -> WeightFacts:
    """`quant` (the declared quantization) sizes the linear layers it covers; `mlp` (mlp_layout)
    says which layers hold dense MLPs or experts, when that is not simply all of them."""
    st_dtype, width = _DTYPES.get((arch.torch_dtype or "bfloat16").lower().removeprefix("torch."), ("BF16", 2))
    params = role_params(arch, mlp=mlp)
    packed = _packed(quant)
    by_role: dict[str, int] = {}
    by_dtype: dict[str, int] = {}
    for role, n in params.items():
        dtype, w = (packed[1], packed[2]) if packed and role in packed[0] else (st_dtype, width)
        if n:
            by_role[role] = round(n * w)
            by_dtype[dtype] = by_dtype.get(dtype, 0) + by_role[role]
    return WeightFacts(
        source="architecture",
        total_bytes=sum(by_role.values()),
        params=sum(params.values()),
        bytes_by_dtype=dict(sorted(by_dtype.items(), key=lambda kv: -kv[1])),
        bytes_by_role=dict(sorted(by_role.items(), key=lambda kv: -kv[1])),
        checkpoint_dtype={"BF16": "bfloat16", "F16": "float16", "F32": "float32"}[st_dtype],
    )


def _packed(quant: QuantizationFacts | None) -> tuple[frozenset[str], str, float] | None:
    """(roles the method quantizes, safetensors dtype they are stored in, bytes per param)."""
    if quant is None or not quant.bits:
        return None
    fp4 = quant.method in ("mxfp4", "modelopt_fp4")
    # gpt-oss's mxfp4 covers the experts only; the others quantize every linear layer but lm_head.
    roles = frozenset({"experts"}) if quant.method == "mxfp4" else _LINEAR_ROLES
    width = quant.bits / 8
    if quant.group_size and quant.group_size > 0:
        width += (1 if fp4 else 2) / quant.group_size  # one scale per group: E8M0/FP8 for fp4, else fp16
    if quant.bits == 8:
        dtype = "F8_E4M3" if "fp8" in quant.method or quant.method.startswith("modelopt") else "I8"
    else:
        dtype = "U8" if fp4 else "I32"
    return roles, dtype, width


def role_params(arch: ArchitectureFacts, *, mlp: MlpLayout | None = None) -> dict[str, int]:
    h, n = arch.hidden_size, arch.num_layers
    p = {"embed": arch.vocab_size * h, "lm_head": 0 if arch.tie_word_embeddings else arch.vocab_size * h}
    attn_layers = arch.full_attention_layers + arch.sliding_window_layers
    qo, kv, mla_kv = _attention(arch)
    p.update(attn_qo=qo * attn_layers, attn_kv=kv * attn_layers, mla_kv=mla_kv * attn_layers)
    p["linear_attn"] = _linear(arch.linear_attention, h) if arch.linear_attention else 0

    moe = arch.moe
    if mlp is None:
        sparse = max(0, n - moe.first_dense_layers) if moe else 0
        mlp = MlpLayout(n - sparse, sparse)
    mats = 3 if mlp.gated else 2
    p["mlp"] = mats * h * (arch.intermediate_size or 0) * mlp.dense_layers
    if moe:
        expert = moe.moe_intermediate_size or arch.intermediate_size or 0
        shared = moe.shared_expert_intermediate_size or (moe.num_shared_experts or 0) * expert
        p["experts"] = mats * h * expert * moe.num_experts * mlp.moe_layers
        p["mlp"] += mats * h * shared * mlp.moe_layers
        p["router"] = moe.num_experts * h * mlp.moe_layers
    # two norms per layer and the final norm
    p["norm"] = (2 * n + 1) * h
    return p


def _attention(arch: ArchitectureFacts) -> tuple[int, int, int]:
    """Per-layer params: (q and o, k and v, MLA latent paths)."""
    h, heads = arch.hidden_size, arch.num_attention_heads
    mla = arch.mla
    if mla is None:
        d = arch.head_dim
        return 2 * h * heads * d, 2 * h * arch.num_kv_heads * d, 0
    qk = (mla.qk_nope_head_dim or 0) + mla.qk_rope_head_dim
    v = mla.v_head_dim or mla.qk_nope_head_dim or 0
    q = h * mla.q_lora_rank + mla.q_lora_rank * heads * qk if mla.q_lora_rank else h * heads * qk
    o = heads * v * h
    latent = h * (mla.kv_lora_rank + mla.qk_rope_head_dim) + mla.kv_lora_rank * heads * ((mla.qk_nope_head_dim or 0) + v)
    return q + o, 0, latent


def _linear(lin: LinearAttentionFacts, h: int) -> int:
    if lin.kind == "gdn":
        nk, nv = lin.num_key_heads or 0, lin.num_value_heads or 0
        dk, dv = lin.key_head_dim or 0, lin.value_head_dim or 0
        conv_dim = 2 * nk * dk + nv * dv
        # in_proj_qkvz + in_proj_ba, depthwise conv, out_proj, A_log/dt_bias, gated norm
        per_layer = h * (conv_dim + nv * dv) + h * 2 * nv + conv_dim * lin.conv_kernel + nv * dv * h + 2 * nv + dv
    else:
        inner = lin.intermediate_size or 2 * h
        heads = lin.num_heads or 0
        groups_state = 2 * (lin.n_groups or 1) * (lin.state_size or 0)
        # in_proj (z, x, B, C, dt), depthwise conv over x/B/C, out_proj, A/D/dt_bias, gated norm
        per_layer = h * (2 * inner + groups_state + heads) + (inner + groups_state) * lin.conv_kernel + inner * h + 3 * heads + inner
    return per_layer * lin.num_layers
