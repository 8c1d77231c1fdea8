"""What one GPU rank reads and computes per token: the model's geometry after TP / PP sharding.

Bytes come from the checkpoint (safetensors headers by tensor role, quantized sizes and scales
included), cast or quantized the way loading does it; FLOPs come from the architecture's parameter
count by role. The busiest pipeline stage is described (most layers, plus the lm_head).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from wizard.model.estimate import role_params
from wizard.model.facts import ModelFacts
from wizard.perf import constants as k
from wizard.planner.kv import mamba_state_bytes

_FLOAT_BYTES = {"F32": 4, "F16": 2, "BF16": 2}
_LINEAR_ROLES = ("attn_qo", "attn_kv", "mla_kv", "mlp", "experts", "linear_attn")
_DENSE_ROLES = ("attn_qo", "attn_kv", "mla_kv", "mlp", "router", "linear_attn", "norm", "other")
_REPLICATED = {"router", "norm", "mla_kv"}
# In-flight bitsandbytes NF4: 4 bits per weight plus one 8-bit absmax per 64-weight block
# (double quantization keeps the second-level statistics negligible).
BNB_NF4_BYTES = 0.5 + 1 / 64
_KV_BYTES = {"fp8": 1, "fp8_e4m3": 1, "fp8_e5m2": 1, "fp8_inc": 1, "int8_per_token_head": 1,
             "fp8_per_token_head": 1, "int4_per_token_head": 0.5, "nvfp4": 0.5625, "float16": 2, "bfloat16": 2}


# Not frozen: frozen dataclasses set every field through object.__setattr__, which costs more
# than the arithmetic in a chooser's inner loop. Treat instances as read-only.
@dataclass(slots=True)
class RankShape:
    """Per rank of the busiest stage; bytes in bytes, params in weights (FLOPs = 2 x params)."""

    layers: int
    moe_layers: int
    hidden: int
    vocab: int
    dense_bytes: float  # decoder-layer weights other than routed experts
    dense_params: float
    quant_params: float  # dense params the quantized kernel runs (rebuilt by reconstructing kernels)
    expert_bytes: float  # every routed expert's weights on this rank
    experts: int
    top_k: int
    expert_params: float  # one expert, all MoE layers of the stage, on this rank
    lm_head_bytes: float
    lm_head_params: float
    kv_bytes_per_token: float  # full-attention layers
    swa_bytes_per_token: float  # sliding-window layers (read up to the window)
    window: int | None
    state_bytes_per_seq: float  # recurrent state (GDN / Mamba) read and written per step
    attn_flops_per_ctx: float  # per query token and context token, full-attention layers
    swa_flops_per_ctx: float
    act_bytes_per_token: float
    kernels_per_step: int
    quant_calls_per_step: int
    offloadable_bytes: float  # decoder-layer bytes on the rank: what --cpu-offload-gb can take


def kv_element_bytes(kv_dtype: str, model_bytes: int) -> float:
    return _KV_BYTES.get(kv_dtype, model_bytes)


def _loaded_role_bytes(model: ModelFacts, model_bytes: int, online: str | None) -> dict[str, float]:
    weights = model.weights
    roles = {role: float(b) for role, b in weights.bytes_by_role.items()}
    if model.quantization is None and weights.bytes_by_dtype:
        raw = sum(weights.bytes_by_dtype.values())
        cast = sum(b * model_bytes / _FLOAT_BYTES[d] if d in _FLOAT_BYTES else b for d, b in weights.bytes_by_dtype.items())
        if raw:
            roles = {role: b * cast / raw for role, b in roles.items()}
    if model.quantization is None and online in {"fp8", "bitsandbytes"}:
        per_param = 1.0 if online == "fp8" else BNB_NF4_BYTES
        for role in _LINEAR_ROLES:
            if role in roles:
                roles[role] = roles[role] / model_bytes * per_param
    return roles


# (model, model_bytes, online) -> (the model, role bytes, role params): a chooser evaluates many
# settings of one model; the entry keeps the model alive, so its id cannot be reused meanwhile.
_PROFILES: dict[tuple[int, int, str | None], tuple[ModelFacts, dict[str, float], dict[str, int]]] = {}


def _profile(model: ModelFacts, model_bytes: int, online: str | None) -> tuple[dict[str, float], dict[str, int]]:
    key = (id(model), model_bytes, online)
    hit = _PROFILES.get(key)
    if hit is not None and hit[0] is model:
        return hit[1], hit[2]
    if len(_PROFILES) >= 16:
        _PROFILES.pop(next(iter(_PROFILES)))
    roles, params = _loaded_role_bytes(model, model_bytes, online), role_params(model.arch)
    _PROFILES[key] = (model, roles, params)
    return roles, params


def build_shape(model: ModelFacts, *, tp: int, pp: int, model_bytes: int, kv_dtype: str,
                online_quant: str | None, quantized_roles: frozenset[str]) -> RankShape:
    """`quantized_roles`: the roles the quantized kernel runs (empty for an unquantized model)."""
    arch = model.arch
    n = max(1, arch.num_layers)
    stage_layers = -(-n // pp)  # vLLM gives the remainder to the stages before the last
    share = stage_layers / n
    roles, params = _profile(model, model_bytes, online_quant)

    kv_heads = max(1, arch.num_kv_heads)
    kv_share = 1 / tp if kv_heads >= tp else 1 / kv_heads
    vocab_share = math.ceil(math.ceil(arch.vocab_size / 64) * 64 / tp) / max(1, arch.vocab_size)

    def sharded(role: str, value: float) -> float:
        if role in _REPLICATED:
            return value
        if role == "attn_kv":
            return value * kv_share
        return value / tp

    dense_bytes = sum(sharded(r, roles.get(r, 0.0)) for r in _DENSE_ROLES) * share
    dense_params = sum(sharded(r, float(params.get(r, 0))) for r in _DENSE_ROLES if r != "norm") * share
    quant_params = sum(sharded(r, float(params.get(r, 0))) for r in _DENSE_ROLES if r in quantized_roles) * share
    expert_bytes = roles.get("experts", 0.0) / tp * share
    moe = arch.moe
    experts = moe.num_experts if moe else 0
    top_k = (moe.experts_per_token or 1) if moe else 0
    expert_params = params.get("experts", 0) / tp * share / experts if experts else 0.0
    moe_layers = round(max(0, n - moe.first_dense_layers) * share) if moe else 0

    head_role = "lm_head" if roles.get("lm_head") else "embed"
    lm_head_bytes = roles.get(head_role, 0.0) * vocab_share
    lm_head_params = arch.vocab_size * arch.hidden_size * vocab_share

    elem = kv_element_bytes(kv_dtype, model_bytes)
    heads_rank = max(1, arch.num_attention_heads // tp)
    full = arch.full_attention_layers * share
    swa = arch.sliding_window_layers * share
    if arch.mla:
        per_layer_kv = (arch.mla.kv_lora_rank + arch.mla.qk_rope_head_dim) * elem
        per_layer_flops = heads_rank * (4 * arch.mla.kv_lora_rank + 2 * arch.mla.qk_rope_head_dim)
    else:
        per_layer_kv = 2 * arch.head_dim * max(1, arch.num_kv_heads // tp) * elem
        per_layer_flops = 4 * heads_rank * arch.head_dim
    linear = arch.linear_attention
    state = 2 * mamba_state_bytes(arch, tp, model_bytes) * linear.num_layers * share if linear else 0.0

    inter = arch.intermediate_size or 4 * arch.hidden_size
    if moe:
        expert_inter = moe.moe_intermediate_size or inter
        shared = moe.shared_expert_intermediate_size or (moe.num_shared_experts or 0) * expert_inter
        inter = top_k * expert_inter + shared
    qkv_width = (arch.num_attention_heads + 2 * arch.num_kv_heads) * arch.head_dim
    h = arch.hidden_size
    act = 2 * stage_layers * (10 * h + 3 * qkv_width / tp + 6 * inter / tp)

    kernels = stage_layers * k.KERNELS_PER_LAYER + moe_layers * k.MOE_EXTRA_KERNELS + k.KERNELS_PER_STEP
    calls = stage_layers * k.QUANT_CALLS_PER_LAYER if quantized_roles else 0
    offloadable = dense_bytes + expert_bytes
    return RankShape(
        layers=stage_layers, moe_layers=moe_layers, hidden=h, vocab=arch.vocab_size,
        dense_bytes=dense_bytes, dense_params=dense_params, quant_params=quant_params,
        expert_bytes=expert_bytes, experts=experts, top_k=top_k, expert_params=expert_params,
        lm_head_bytes=lm_head_bytes, lm_head_params=lm_head_params,
        kv_bytes_per_token=full * per_layer_kv, swa_bytes_per_token=swa * per_layer_kv,
        window=arch.sliding_window, state_bytes_per_seq=state,
        attn_flops_per_ctx=full * per_layer_flops, swa_flops_per_ctx=swa * per_layer_flops,
        act_bytes_per_token=act, kernels_per_step=int(kernels), quant_calls_per_step=int(calls),
        offloadable_bytes=offloadable,
    )


def quantized_roles(model: ModelFacts, online_quant: str | None) -> frozenset[str]:
    """The roles a quantized kernel runs: gpt-oss's mxfp4 covers the experts only."""
    quant = model.quantization
    if quant is None and online_quant not in {"fp8", "bitsandbytes"}:
        return frozenset()
    if quant is not None and quant.method == "mxfp4":
        return frozenset({"experts"})
    return frozenset(_LINEAR_ROLES)
