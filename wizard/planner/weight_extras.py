"""What loading adds to the checkpoint's own weights, by release and setting: LoRA slabs, MLA
absorbed matrices (0.7.1-0.7.3), multi-token-prediction drafter layers. Each comes from its own
module (lora.py, mla.py, speculative.py); this one sums them per pipeline stage for plan_weights."""

from __future__ import annotations

from dataclasses import dataclass

from wizard.model.facts import ModelFacts
from wizard.planner import input_rules as rules
from wizard.planner import lora
from wizard.planner.mla import absorbed_bytes_per_layer
from wizard.planner.settings import Settings
from wizard.planner.versions import VllmVersion

_LORA_DTYPES = {"float16": 2, "bfloat16": 2, "float32": 4}


@dataclass(frozen=True)
class WeightExtras:
    """Bytes per rank added in every decoder layer, on the first stage, on the last stage."""

    per_layer: int = 0
    first_stage: int = 0
    last_stage: int = 0

    def __bool__(self) -> bool:
        return bool(self.per_layer or self.first_stage or self.last_stage)


def weight_extras(model: ModelFacts, settings: Settings, version: VllmVersion, act_bytes: int) -> WeightExtras:
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
    return WeightExtras(per_layer, first, last)


def drafter_kv_layers(model: ModelFacts, settings: Settings) -> int:
    """Attention layers a multi-token-prediction drafter adds to the KV cache (last stage).

    The MTP module is one decoder layer per `num_nextn_predict_layers` (1 for DeepSeek-V3/R1,
    GLM-4.5, MiMo, Qwen3-Next); vLLM gives it its own KV cache (V1: its own layers in the KV-cache
    spec, `v1/spec_decode/eagle.py` loads it with the target's layer naming). A checkpoint whose MTP
    weights are absent cannot run it, so none is counted then.
    """
    spec = settings.speculative
    if spec is None or spec.kind != "mtp" or not model.weights.bytes_by_role.get("mtp"):
        return 0
    return 1
