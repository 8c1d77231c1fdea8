"""Weights from the architecture alone, for a folder (or repo) that has config.json but no weights.

Counts the parameters of every role the way the standard HF implementations lay them out (gated
MLP, separate q/k/v/o, MLA low-rank paths, GDN and Mamba2 mixers). Vision towers and MTP layers are
not described by the text config and are left out; the caller says so in its notes.
"""

from __future__ import annotations

from wizard.model.facts import ArchitectureFacts, LinearAttentionFacts, WeightFacts

# torch dtype name -> (safetensors dtype, bytes per element)
_DTYPES = {
    "bfloat16": ("BF16", 2), "float16": ("F16", 2), "half": ("F16", 2),
    "float32": ("F32", 4), "float": ("F32", 4),
}


def estimate_weights(arch: ArchitectureFacts, *, dense_mlp_layers: int | None = None) -> WeightFacts:
    """`dense_mlp_layers` overrides how many layers carry a dense MLP (Nemotron-H's MLP blocks)."""
    st_dtype, width = _DTYPES.get((arch.torch_dtype or "bfloat16").lower().removeprefix("torch."), ("BF16", 2))
    params = role_params(arch, dense_mlp_layers=dense_mlp_layers)
    by_role = {role: n * width for role, n in params.items() if n}
    total = sum(by_role.values())
    return WeightFacts(
        source="architecture",
        total_bytes=total,
        params=sum(params.values()),
        bytes_by_dtype={st_dtype: total},
        bytes_by_role=dict(sorted(by_role.items(), key=lambda kv: -kv[1])),
        checkpoint_dtype={"BF16": "bfloat16", "F16": "float16", "F32": "float32"}[st_dtype],
    )


def role_params(arch: ArchitectureFacts, *, dense_mlp_layers: int | None = None) -> dict[str, int]:
    h, n = arch.hidden_size, arch.num_layers
    p = {"embed": arch.vocab_size * h, "lm_head": 0 if arch.tie_word_embeddings else arch.vocab_size * h}
    attn_layers = arch.full_attention_layers + arch.sliding_window_layers
    qo, kv, mla_kv = _attention(arch)
    p.update(attn_qo=qo * attn_layers, attn_kv=kv * attn_layers, mla_kv=mla_kv * attn_layers)
    p["linear_attn"] = _linear(arch.linear_attention, h) if arch.linear_attention else 0

    moe = arch.moe
    moe_layers = max(0, n - moe.first_dense_layers) if moe else 0
    dense_layers = dense_mlp_layers if dense_mlp_layers is not None else n - moe_layers
    p["mlp"] = 3 * h * (arch.intermediate_size or 0) * dense_layers
    if moe:
        expert = moe.moe_intermediate_size or arch.intermediate_size or 0
        shared = moe.shared_expert_intermediate_size or (moe.num_shared_experts or 0) * expert
        p["experts"] = 3 * h * expert * moe.num_experts * moe_layers
        p["mlp"] += 3 * h * shared * moe_layers
        p["router"] = moe.num_experts * h * moe_layers
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
