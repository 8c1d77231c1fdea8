"""What loading adds to the checkpoint's own weights, by release and setting: LoRA slabs, MLA
absorbed matrices (0.7.1-0.7.3), multi-token-prediction drafter layers. Each comes from its own
module (lora.py, mla.py, speculative.py); this one sums them per pipeline stage for plan_weights."""

from __future__ import annotations

from dataclasses import dataclass

from wizard.model.facts import ModelFacts
from wizard.planner import input_rules as rules
from wizard.planner import lora
from wizard.planner.kv import attention_bytes_per_token
from wizard.planner.mla import absorbed_bytes_per_layer
from wizard.planner.settings import Settings
from wizard.planner.versions import VllmVersion
from wizard.planner.weights import DTYPE_BYTES_BY_SIZE, plan_weights


@dataclass(frozen=True)
class WeightExtras:
    """Bytes per rank added in every decoder layer, on the first stage, on the last stage."""

    per_layer: int = 0
    first_stage: int = 0
    last_stage: int = 0

    def __bool__(self) -> bool:
        return bool(self.per_layer or self.first_stage or self.last_stage)


def weight_extras(model: ModelFacts, settings: Settings, version: VllmVersion, act_bytes: int, *,
                  draft: ModelFacts | None = None) -> WeightExtras:
    tp = settings.tensor_parallel_size
    per_layer = first = last = 0
    if settings.enable_lora:
        slabs = lora.lora_slabs(model, tp=tp, max_loras=settings.max_loras, max_rank=settings.max_lora_rank,
                                dtype_bytes=act_bytes, extra_vocab=rules.lora_extra_vocab(version))
        per_layer, first, last = slabs.per_layer, slabs.first_stage, slabs.last_stage
    quant = settings.quantization or (model.quantization.method if model.quantization else None)
    if model.arch.mla and rules.mla_absorbs_weights(version) and rules.mla_in_use(version, quant):
        per_layer += absorbed_bytes_per_layer(model.arch, tp=tp, act_bytes=act_bytes, fp8_weights=quant == "fp8")
    spec = settings.speculative
    if spec is not None and spec.kind == "mtp":
        # The drafter is the checkpoint's own MTP layers (role "mtp"), loaded beside the target on the
        # last stage and sharded like a decoder layer (models/deepseek_mtp.py and relatives).
        last += model.weights.bytes_by_role.get("mtp", 0) // tp
    if spec is not None and spec.kind == "draft" and draft is not None:
        # A separate draft checkpoint is loaded into every worker beside the target (V0
        # spec_decode/spec_decode_worker.py, V1 v1/spec_decode/eagle.py / draft_model.py), sharded by
        # its own tensor-parallel size (speculative-config draft_tensor_parallel_size, default the target's).
        draft_tp = spec.draft_tensor_parallel_size or tp
        last += plan_weights(draft, tp=draft_tp, pp=1, dtype=DTYPE_BYTES_BY_SIZE.get(act_bytes, "bfloat16")).worst_bytes
    return WeightExtras(per_layer, first, last)


def drafter_kv_layers(model: ModelFacts, settings: Settings, version: VllmVersion | None = None,
                      kv_dtype: str = "auto", model_bytes: int = 2, *, draft: ModelFacts | None = None) -> int:
    """Attention layers a multi-token-prediction drafter adds to the KV cache (last stage).

    The MTP module is one decoder layer per `num_nextn_predict_layers` (1 for DeepSeek-V3/R1,
    GLM-4.5, MiMo, Qwen3-Next); vLLM gives it its own KV cache (V1: its own layers in the KV-cache
    spec, `v1/spec_decode/eagle.py` loads it with the target's layer naming). A checkpoint whose MTP
    weights are absent cannot run it, so none is counted then.

    A separate draft model keeps a KV cache of its own layers: V0 splits the blocks between target
    and drafter in proportion to their block sizes (`spec_decode/spec_decode_worker.py:
    split_num_cache_blocks_evenly`), V1 adds the drafter's layers to the KV-cache spec; both amount
    to the drafter's bytes per token on top of the target's, counted here as that many target layers
    (exact for EAGLE heads, which copy the target's attention geometry).
    """
    spec = settings.speculative
    if spec is None:
        return 0
    if spec.kind == "mtp":
        return 1 if model.weights.bytes_by_role.get("mtp") else 0
    if spec.kind != "draft" or draft is None or version is None:
        return 0

    tp = settings.tensor_parallel_size
    target = attention_bytes_per_token(model.arch, tp, kv_dtype, model_bytes, version, layers=1)
    drafted = attention_bytes_per_token(draft.arch, spec.draft_tensor_parallel_size or tp, kv_dtype, model_bytes,
                                        version)
    return -(-drafted // target) if target else 0
