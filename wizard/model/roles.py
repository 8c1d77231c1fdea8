"""Tensor name -> role (see TensorRole in facts.py), and the per-role tally of a checkpoint.

Roles decide how the planner shards weights over tensor / pipeline parallelism, so a name that
could belong to two roles is settled by the more specific rule first (a norm inside an attention
block is a norm; a shared expert is an MLP, not a routed expert). Quantized companions (.qweight,
.scales, .weight_scale, _blocks ...) keep their module path, so they land with their base tensor.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from wizard.model.facts import WeightFacts
from wizard.model.quantization import params_per_element

if TYPE_CHECKING:
    from wizard.model.facts import ArchitectureFacts, QuantizationFacts, WeightFacts
    from wizard.model.safetensors_header import TensorInfo

# "qkv" is not a TensorRole: a fused q/k/v tensor is split into attn_qo and attn_kv by head count.
FUSED_QKV = "qkv"

_VISION = {"visual", "vision_tower", "vision_model", "multi_modal_projector", "audio_tower", "mm_projector",
           "vision_encoder", "audio_encoder", "image_newline", "vision_embed_tokens", "vpm", "resampler",
           "audio_model"}
_EMBED = {"embed_tokens", "wte", "wpe", "word_embeddings", "tok_embeddings", "embeddings", "embedding"}
_LM_HEAD = {"lm_head", "embed_out", "output"}
_LINEAR = {"linear_attn", "mamba"}
_ROUTER = {"router", "gate", "shared_expert_gate", "e_score_correction_bias"}
_SHARED = {"shared_expert", "shared_experts", "shared_mlp"}
_EXPERTS = {"experts", "block_sparse_moe"}
# MLA down-projections are replicated on every TP rank; the up-projections (q_b, kv_b) are split.
_MLA_KV = {"kv_a_proj_with_mqa", "q_a_proj"}
_QKV = {"qkv_proj", "query_key_value", "c_attn", "wqkv", "Wqkv", "qkv"}
_KV = {"k_proj", "v_proj", "wk", "wv", "key", "value"}
_QO = {"q_proj", "o_proj", "wq", "wo", "q_b_proj", "kv_b_proj", "query", "sinks"}
# Names shared by attention and other blocks (a Mamba mixer also has an out_proj).
_QO_IN_ATTN = {"out_proj", "dense", "c_proj"}
# Qwen-Omni parts that vLLM's thinker never loads.
_NOT_SERVED = {"talker", "token2wav", "code2wav"}
_ATTN_PARENT = {"self_attn", "attn", "attention", "self_attention"}
_MLP = {"mlp", "feed_forward", "ffn", "gate_proj", "up_proj", "down_proj", "gate_up_proj", "fc1", "fc2", "w1",
        "w2", "w3", "c_fc", "dense_h_to_4h", "dense_4h_to_h", "input_linear", "output_linear"}
# Nemotron-H calls every block's module "mixer"; it is a Mamba2 block unless it holds these.
_MIXER_NOT_MAMBA = _QO | _KV | _QKV | _MLP | _ROUTER | _EXPERTS | _SHARED
_LAYER = re.compile(r"\d+", re.ASCII)


def classify(name: str, num_hidden_layers: int | None = None) -> str:
    """The role of one tensor (a TensorRole, or FUSED_QKV)."""
    parts = name.split(".")
    comps = set(parts)
    if comps & _VISION:
        return "vision"
    if parts[0] in _NOT_SERVED:
        return "unused"
    if parts[0] == "mtp" or "mtp_layers" in comps or _beyond_last_layer(parts, num_hidden_layers):
        return "mtp"
    if comps & _LM_HEAD and not comps & (_ATTN_PARENT | _MLP | _LINEAR):
        return "lm_head"
    if comps & _EMBED and not comps & _ATTN_PARENT:
        return "embed"
    if comps & _LINEAR or ("mixer" in comps and not comps & _MIXER_NOT_MAMBA):
        return "linear_attn"
    if any("norm" in p or p.startswith("ln_") or p == "ln_f" for p in parts):
        return "norm"
    if comps & _ROUTER:
        return "router"
    if comps & _SHARED:
        return "mlp"
    if comps & _EXPERTS:
        return "experts"
    if parts[-1] == "bias":
        return "norm"
    if comps & _MLA_KV:
        return "mla_kv"
    if comps & _QKV:
        return FUSED_QKV
    if comps & _KV:
        return "attn_kv"
    if comps & _QO or (comps & _QO_IN_ATTN and comps & _ATTN_PARENT):
        return "attn_qo"
    if comps & _MLP or "c_proj" in comps:
        return "mlp"
    return "other"


def _beyond_last_layer(parts: list[str], num_hidden_layers: int | None) -> bool:
    """DeepSeek / GLM store their MTP block as layer num_hidden_layers (one past the last)."""
    if num_hidden_layers is None:
        return False
    for i, part in enumerate(parts[:-1]):
        if part == "layers" and _LAYER.fullmatch(parts[i + 1]):
            return int(parts[i + 1]) >= num_hidden_layers
    return False


def split_qkv(nbytes: int, arch: ArchitectureFacts | None) -> list[tuple[str, int]]:
    """A fused q/k/v tensor's bytes as (attn_qo, attn_kv) by the q : k+v head ratio."""
    if arch is None:
        return [("attn_qo", nbytes)]
    heads, kv = arch.num_attention_heads, arch.num_kv_heads
    kv_bytes = nbytes * 2 * kv // (heads + 2 * kv)
    return [("attn_qo", nbytes - kv_bytes), ("attn_kv", kv_bytes)]


_FLOAT_NAMES = {"BF16": "bfloat16", "F16": "float16", "F32": "float32"}


def tally_weights(
    shards: Iterable[tuple[str, dict[str, TensorInfo]]],
    *,
    num_hidden_layers: int | None,
    arch: ArchitectureFacts | None,
    quant: QuantizationFacts | None,
) -> WeightFacts:
    """WeightFacts from the tensors of every shard: exact bytes by dtype and role, and params."""
    by_dtype: dict[str, int] = {}
    by_role: dict[str, int] = {}
    files: list[str] = []
    params = 0.0
    count = 0
    for file, tensors in shards:
        files.append(file)
        for name, info in tensors.items():
            count += 1
            by_dtype[info.dtype] = by_dtype.get(info.dtype, 0) + info.nbytes
            role = classify(name, num_hidden_layers)
            parts = split_qkv(info.nbytes, arch) if role == FUSED_QKV else [(role, info.nbytes)]
            for r, b in parts:
                by_role[r] = by_role.get(r, 0) + b
            params += info.elements * params_per_element(name, info.dtype, quant)
    floats = {d: b for d, b in by_dtype.items() if d in _FLOAT_NAMES}
    return WeightFacts(
        source="safetensors",
        total_bytes=sum(by_dtype.values()),
        params=round(params),
        bytes_by_dtype=dict(sorted(by_dtype.items(), key=lambda kv: -kv[1])),
        bytes_by_role=dict(sorted(by_role.items(), key=lambda kv: -kv[1])),
        tensor_count=count,
        shard_count=len(files),
        files=tuple(files),
        checkpoint_dtype=_FLOAT_NAMES[max(floats, key=floats.__getitem__)] if floats else None,
    )
