"""Weight memory per GPU rank: what vLLM will log as "Model loading took X GiB".

Starts from the checkpoint's exact bytes by tensor role (safetensors headers) and applies what
loading does to them: dtype casts, online quantization, tensor-parallel sharding with vocab padding
and KV-head replication, pipeline stages, backend padding, the rotary cache and CPU offload.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from wizard.model.facts import ModelFacts
from wizard.i18n import msg

if TYPE_CHECKING:
    from wizard.planner.weight_extras import WeightExtras

_FLOAT_BYTES = {"F32": 4, "F16": 2, "BF16": 2}
DTYPE_BYTES = {"float32": 4, "float16": 2, "bfloat16": 2}
DTYPE_BYTES_BY_SIZE = {4: "float32", 2: "bfloat16"}

# Roles that live inside decoder layers (split across pipeline stages with the layers).
LAYER_ROLES = ("attn_qo", "attn_kv", "mla_kv", "mlp", "experts", "router", "linear_attn", "norm", "other")
# Linear-layer roles that online fp8 quantization converts to one byte per weight.
_ONLINE_QUANT_ROLES = ("attn_qo", "attn_kv", "mla_kv", "mlp", "experts", "linear_attn")
# In-flight bitsandbytes (`--quantization bitsandbytes` on a 16-bit checkpoint), 0.5.0-0.27.x:
# `model_executor/model_loader/loader.py` (bitsandbytes_loader.py from 0.8)
# `BitsAndBytesModelLoader._unquantized_generator` runs bitsandbytes `quantize_4bit(w,
# compress_statistics=True, quant_type="nf4")` on the target modules (q/k/v/o and gate/up/down
# projections, dense / fc layers): 4-bit codes packed two per uint8, one absmax per 64-weight block
# itself quantized to uint8 (double quantization) with one fp32 absmax per 256 blocks. Embeddings,
# lm_head, norms, routers and MLA's replicated down-projections stay in 16 bits.
BNB_NF4_BYTES_PER_WEIGHT = 0.5 + 1 / 64 + 4 / (64 * 256)
_BNB_ROLES = ("attn_qo", "attn_kv", "mlp", "experts")


@dataclass(frozen=True)
class WeightPlan:
    per_stage_bytes: tuple[int, ...]  # one figure per pipeline stage (TP ranks of a stage are equal)
    offloaded_bytes: int = 0
    rotary_bytes: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def worst_bytes(self) -> int:
        return max(self.per_stage_bytes)


def pp_layer_split(num_layers: int, pp: int) -> list[int]:
    """vLLM's get_pp_indices: equal shares, remainder layers to the stages before the last."""
    base = num_layers // pp
    parts = [base] * pp
    for i in range(2, num_layers % pp + 2):
        parts[-i] += 1
    return parts


def _role_bytes(model: ModelFacts, dtype: str, online_quant: str | None) -> dict[str, float]:
    weights = model.weights
    roles = {role: float(b) for role, b in weights.bytes_by_role.items()}
    if model.quantization is None and weights.bytes_by_dtype:
        # An unquantized checkpoint is cast to the compute dtype while loading (an fp32 checkpoint
        # served in bf16 halves); the cast applies to floating tensors only.
        target = DTYPE_BYTES.get(dtype, 2)
        raw = sum(weights.bytes_by_dtype.values())
        cast = sum(b * target / _FLOAT_BYTES[d] if d in _FLOAT_BYTES else b for d, b in weights.bytes_by_dtype.items())
        if raw:
            roles = {role: b * cast / raw for role, b in roles.items()}
    if online_quant == "fp8" and model.quantization is None:
        bytes_per = DTYPE_BYTES.get(dtype, 2)
        for role in _ONLINE_QUANT_ROLES:
            if role in roles:
                roles[role] = roles[role] / bytes_per
    if online_quant == "bitsandbytes" and model.quantization is None:
        bytes_per = DTYPE_BYTES.get(dtype, 2)
        for role in _BNB_ROLES:
            if role in roles:
                roles[role] = roles[role] / bytes_per * BNB_NF4_BYTES_PER_WEIGHT
    return roles


def _mxfp4_padding(model: ModelFacts) -> float:
    """MoE backends for mxfp4 (Marlin, TRT-LLM) pad hidden to 256 and intermediate to 128."""
    arch = model.arch
    inter = (arch.moe.moe_intermediate_size if arch.moe else None) or arch.intermediate_size or arch.hidden_size
    h_pad = math.ceil(arch.hidden_size / 256) * 256
    i_pad = math.ceil(inter / 128) * 128
    return (h_pad / arch.hidden_size) * (i_pad / inter)


def rotary_cache_bytes(model: ModelFacts, dtype: str) -> int:
    """cos/sin caches: max_position × rotary_dim in the model dtype, longer for scaled RoPE.

    Linear, dynamic and YaRN scaling cache max_position × factor positions; Gemma 3 keeps a second,
    unscaled cache for its sliding-window layers.
    """
    arch = model.arch
    if arch.num_attention_heads == 0 or arch.full_attention_layers + arch.sliding_window_layers == 0:
        return 0
    max_pos = arch.max_position_embeddings or 0
    rotary_dim = arch.mla.qk_rope_head_dim if arch.mla else (arch.rotary_dim or arch.head_dim)
    scaling = arch.rope_scaling or {}
    kind = str(scaling.get("rope_type") or scaling.get("type") or "")
    factor = float(scaling.get("factor") or 1.0)
    positions = max_pos
    if kind in {"yarn", "deepseek_yarn"}:
        original = scaling.get("original_max_position_embeddings")
        positions = int((original or max_pos) * factor)
    elif kind in {"linear", "dynamic"}:
        positions = int(max_pos * factor)
    caches = positions
    if arch.sliding_window_layers and model.model_type in {"gemma3", "gemma3_text"}:
        caches += max_pos  # the local (sliding-window) layers' own unscaled cache
    return int(caches * rotary_dim * DTYPE_BYTES.get(dtype, 2))


def plan_weights(
    model: ModelFacts,
    *,
    tp: int,
    pp: int,
    dtype: str,
    online_quant: str | None = None,
    cpu_offload_gib: float = 0.0,
    extras: WeightExtras | None = None,
) -> WeightPlan:
    """`extras`: what loading adds for the settings and release (wizard.planner.weight_extras)."""
    arch = model.arch
    roles = _role_bytes(model, dtype, online_quant)
    notes: list[str] = []
    if model.quantization and model.quantization.method == "mxfp4" and "experts" in roles:
        pad = _mxfp4_padding(model)
        if pad > 1.0001:
            roles["experts"] *= pad
            notes.append(msg("planner.weights.mxfp4_pad", pct=(pad - 1) * 100))

    vocab = max(1, arch.vocab_size)
    vocab_share = math.ceil(math.ceil(vocab / 64) * 64 / tp) / vocab
    kv_heads = max(1, arch.num_kv_heads)
    kv_share = 1 / tp if kv_heads >= tp else 1 / kv_heads

    def sharded(role: str) -> float:
        value = roles.get(role, 0.0)
        if role in {"embed", "lm_head"}:
            return value * vocab_share
        if role == "attn_kv":
            return value * kv_share
        if role in {"router", "norm", "mla_kv"}:
            return value  # replicated on every rank
        if role in {"mtp", "unused"}:
            return 0.0  # draft layers load only with speculative decoding; unused parts never
        return value / tp

    layer_bytes = sum(sharded(r) for r in LAYER_ROLES)
    embed = sharded("embed")
    lm_head = sharded("lm_head")
    vision = sharded("vision")
    if arch.tie_word_embeddings and pp > 1 and not roles.get("lm_head"):
        lm_head = embed  # the last stage holds its own copy of the tied embedding as lm_head
    rotary = rotary_cache_bytes(model, dtype)

    split = pp_layer_split(arch.num_layers, pp) if pp > 1 else [arch.num_layers]
    offload_target = int(cpu_offload_gib * (1 << 30))
    stages: list[int] = []
    offloaded_max = 0
    for stage, layers in enumerate(split):
        share = layers / max(1, arch.num_layers)
        stage_layers = layer_bytes * share
        offloaded = min(offload_target, int(stage_layers)) if offload_target else 0
        offloaded_max = max(offloaded_max, offloaded)
        total = stage_layers - offloaded + rotary
        if stage == 0:
            total += embed + vision
        if stage == len(split) - 1:
            total += lm_head
        if extras:
            total += extras.per_layer * layers + (extras.first_stage if stage == 0 else 0) \
                + (extras.last_stage if stage == len(split) - 1 else 0)
        stages.append(int(total))
    if offload_target and offloaded_max < offload_target:
        notes.append(msg("planner.weights.offload_exceeds"))
    return WeightPlan(tuple(stages), offloaded_max, rotary, tuple(notes))
